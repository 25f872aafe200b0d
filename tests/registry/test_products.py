"""Product identity: one function decides which declared applications are the same product."""

from __future__ import annotations

import pytest

from consortium.registry.products import ProductKey, normal_vendor, product_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Tyler Technologies, Inc.", "Munis"), ("tyler technologies", "MUNIS")),
        (("Esri", "ArcGIS Online"), ("Esri, Inc.", "ArcGIS  Online ")),
        (("Motorola Solutions Inc", "Spillman Flex"), ("MOTOROLA SOLUTIONS", "Spillman Flex")),
        (("Laserfiche", "Laserfiche®"), ("Laserfiche", "Laserfiche")),
        (("Caselle", "Clarity™"), ("Caselle, LLC", "clarity")),
        (("\uff2d\uff49\uff43\uff52\uff4f\uff53\uff4f\uff46\uff54", "365"), ("Microsoft Corp.", "365")),  # NFKC
    ],
)
def test_spellings_of_one_product_are_one_key(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert product_key(*a) == product_key(*b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Microsoft", "Office 365"), ("Microsoft", "Microsoft 365")),  # renamed products are not guessed
        (("Tyler Technologies", "Munis"), ("Tyler Technologies", "Incode 10")),
        (("Laserfiche", "Laserfiche Rio"), ("Laserfiche", "Laserfiche Cloud")),
        (("BS&A Software", "BS&A Cloud"), ("BSA Software", "BSA Cloud")),  # & is part of names
    ],
)
def test_different_products_stay_apart(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert product_key(*a) != product_key(*b)


def test_legal_forms_are_dropped_from_the_end_only() -> None:
    assert normal_vendor("Acme Co., Ltd.") == "acme"
    assert normal_vendor("Company") == "company"  # a name that is only a legal word keeps it
    assert normal_vendor("Inc Software") == "inc software"


def test_the_key_prints_as_vendor_slash_product() -> None:
    assert str(product_key("Tyler Technologies, Inc.", "Munis")) == "tyler technologies/munis"
    assert product_key("Esri", "ArcGIS Online") == ProductKey("esri", "arcgis online")
