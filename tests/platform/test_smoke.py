import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_health_is_ok_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/_omnimeet/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
