import pytest

from matchmaking import services
from tests.factories import VouchedMemberFactory, VouchFactory, man, woman
from vouching import services as vouching_services


@pytest.fixture
def matched():
    her, him = woman(), man()
    services.reaction_interest(actor=him.member, target=her.member)
    match = services.reaction_interest(actor=her.member, target=him.member)
    return match, her.member, him.member


@pytest.fixture
def trio():
    """Mei knows both Jon and Lena through vouches; Jon and Lena do not know each other."""
    mei = VouchedMemberFactory(display_name="Mei")
    jon, lena = man(member__display_name="Jon"), woman(member__display_name="Lena")
    VouchFactory(voucher=mei, vouchee=jon.member)
    VouchFactory(voucher=lena.member, vouchee=mei)
    vouching_services.trust_graph_changed()
    return mei, jon.member, lena.member
