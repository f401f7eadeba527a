import pytest

from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services


@pytest.fixture
def pair():
    """Lena and Jon, both vouched and dating, in the same city; Mei knows both."""
    mei = VouchedMemberFactory(display_name="Mei")
    lena = woman(member__display_name="Lena")
    jon = man(member__display_name="Jon")
    VouchFactory(voucher=mei, vouchee=lena.member, relationship="family")
    VouchFactory(voucher=mei, vouchee=jon.member, relationship="colleague")
    vouching_services.trust_graph_changed()
    return mei, lena, jon
