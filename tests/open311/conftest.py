from tests.appeals.conftest import _appeal_data, make_appeal  # noqa: F401
