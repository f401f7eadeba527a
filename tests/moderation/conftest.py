import pytest

from tests.factories import FounderFactory, MemberFactory, VouchFactory
from vouching import services as vouching_services


@pytest.fixture
def community(db):
    """Two founders; Ann carried by both; Bob only through Ann; Cat only through Bob."""
    f1, f2 = FounderFactory(display_name="F1"), FounderFactory(display_name="F2")
    ann, bob, cat = (MemberFactory(display_name=n) for n in ("Ann", "Bob", "Cat"))
    VouchFactory(voucher=f1, vouchee=ann)
    VouchFactory(voucher=f2, vouchee=ann)
    ann_bob = VouchFactory(voucher=ann, vouchee=bob)
    VouchFactory(voucher=f1, vouchee=bob)
    VouchFactory(voucher=bob, vouchee=cat)
    VouchFactory(voucher=ann, vouchee=cat)
    vouching_services.trust_graph_changed()
    vouching_services.trust_recalculate()
    return {"f1": f1, "f2": f2, "ann": ann, "bob": bob, "cat": cat, "ann_bob": ann_bob}
