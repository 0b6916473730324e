"""Workers' contact details are shown only to the roles that work the campaign."""
import pytest
from django.urls import reverse

from tests.conftest import campaign_at
from workflows.campaigns import services
from workflows.campaigns.flows import Stage


@pytest.mark.parametrize("role,sees_names", [("officer", True), ("supervisor", True), ("manager", False)])
def test_committee_names_and_phones_only_for_those_who_work_the_campaign(client, world, role, sees_names):
    """Managers see counts only (Decree 13/2023): the committee's size, not its members."""
    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
        services.CommitteeMemberData("Trần Thị Mai", "tổ trưởng", "0912000111", True)])
    client.force_login(world.user(role))

    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert ("Trần Thị Mai" in page) is sees_names
    assert ("0912000111" in page) is sees_names


@pytest.mark.parametrize("role,status", [("officer", 200), ("supervisor", 200), ("manager", 404),
                                         ("other_officer", 404)])
def test_the_committee_export_says_it_holds_personal_data_and_is_audited(client, world, role, status):
    import io

    from openpyxl import load_workbook

    from workflows.audit.models import AuditEntry, AuditKind

    campaign = campaign_at(world, Stage.EMPLOYER_CONTACTED)
    services.campaign_committee_record(campaign_id=campaign.pk, actor=world.officer, members=[
        services.CommitteeMemberData("Trần Thị Mai", "tổ trưởng", "0912000111", True)])
    client.force_login(world.user(role))

    response = client.get(reverse("campaigns:committee_export", args=[campaign.pk]))

    assert response.status_code == status
    exports = AuditEntry.objects.filter(kind=AuditKind.PERSONAL_DATA_EXPORT)
    if status == 200:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A1"].value == ("Có dữ liệu cá nhân của người lao động: chỉ dùng trong tổ công tác, "
                                     "không chuyển tiếp.")
        assert [c.value for c in sheet[5]] == [1, "Trần Thị Mai", "tổ trưởng", "0912000111", "có"]
        assert exports.get().user == world.user(role)
    else:
        assert exports.count() == 0
