"""The OpenAPI schema's page keeps what it generated, per language (``api.schema.KeptSchemaView``)."""
from workflows.api.schema import KeptSchemaView

SCHEMA = "/api/v1/schema/?format=json"


def test_the_schema_is_generated_once_per_language_and_a_strange_language_is_not_kept(client, world):
    KeptSchemaView._kept.clear()
    client.force_login(world.officer)

    first = client.get(SCHEMA)
    kept = KeptSchemaView._kept.get("vi")
    second = client.get(SCHEMA)
    english = client.get(SCHEMA + "&lang=en")
    strange = client.get(SCHEMA + "&lang=xx-hostile")

    assert [r.status_code for r in (first, second, english, strange)] == [200, 200, 200, 200]
    assert kept is not None and KeptSchemaView._kept["vi"] is kept  # the second request read what the first kept
    assert first.json() == second.json()
    assert "/api/v1/campaigns/{id}/transitions/{name}/" in second.json()["paths"]
    assert sorted(KeptSchemaView._kept) == ["en", "vi"]  # not the client's own text
    assert english.json()["paths"].keys() == first.json()["paths"].keys()
    assert first.json() != english.json()  # the descriptions in each language
