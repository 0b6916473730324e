"""core.urls.reverse_pk: the URL reversed once per pattern and arguments, the id put in its place."""
import pytest
from django.urls import NoReverseMatch, reverse

from workflows.core.urls import reverse_pk


@pytest.mark.parametrize("name, args", [
    ("campaigns:detail", ()),
    ("campaigns:transition", ("hold",)),
    ("campaigns:transition", ("contact_employer",)),
])
@pytest.mark.parametrize("pk", [1, 42, 987654])
def test_it_gives_what_reverse_gives(name, args, pk):
    assert reverse_pk(name, pk, *args) == reverse(name, args=[pk, *args])


def test_a_url_without_an_id_is_refused():
    with pytest.raises(NoReverseMatch):
        reverse_pk("campaigns:list", 1)
