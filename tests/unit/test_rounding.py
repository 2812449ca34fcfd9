from marketbooks.rules.rounding import half_up, round2


def test_half_up_on_the_decimal_value():
    assert round2(2.675) == 2.68 and round2(0.125) == 0.13 and round2(-1.005) == -1.01
    assert half_up(13.995, 2) == 14.0 and half_up(1545304.5, 0) == 1545305.0 and half_up(0.0005, 3) == 0.001
