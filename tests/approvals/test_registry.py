"""Registry: ID number validation, households and people, regions and region scoping, masking,
and the database refusing what the services refuse."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from approvals import crypto, selectors, services
from approvals.exceptions import DuplicatePerson, InvalidIdNumber, InvalidInput, NotAllowed
from approvals.models import Person, Region, region_covers
from approvals.services import PersonSpec

from .factories import id_number, make_household


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lower-case check character accepted
        ("110105194912310021", False),  # wrong check character
        ("110105194913310021", False),  # no 13th month
        ("11010519491231002", False),  # 17 characters
        ("110105491231002", False),  # first-generation 15 digits: refused
        ("", False),
    ],
)
def test_id_number_validation(value, ok):
    if ok:
        parsed = services.id_number_parse(value)
        assert parsed.number == value.upper()
        assert parsed.birth_date == date(1949, 12, 31)
        assert parsed.sex == "F"  # 17th digit 2: even
    else:
        with pytest.raises(InvalidIdNumber) as info:
            services.id_number_parse(value)
        # the error never echoes the whole number
        assert value[6:14] not in str(info.value) or not value


def test_sex_and_birth_date_read_from_the_number():
    parsed = services.id_number_parse(id_number("19750615", male=True))
    assert (parsed.birth_date, parsed.sex) == (date(1975, 6, 15), "M")
    assert services.id_number_parse(id_number("20010101", male=False)).sex == "F"


def test_household_registered_with_numbers_encrypted(people, world):
    household = make_household(people.worker, world.village_a1, members=2)
    head = household.people.get(is_head=True)
    plain = head.id_number_plain()
    # the stored columns hold neither the number nor anything that contains it
    assert plain not in head.id_number_enc and len(head.id_number_hash) == 64
    assert head.id_number_masked == plain[:4] + "*" * 12 + plain[-2:]
    assert household.bank_account_masked == "**** 8901"
    assert "6228480012345678901" not in household.bank_account_enc


def test_a_person_belongs_to_one_household(people, world):
    number = id_number()
    services.household_register(
        region=world.village_a1,
        address="一号",
        people=[PersonSpec("甲", number)],
        actor=people.worker,
    )
    with pytest.raises(DuplicatePerson, match="already registered"):
        services.household_register(
            region=world.village_a1,
            address="二号",
            people=[PersonSpec("乙", number)],
            actor=people.worker,
        )
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("specs", "match"),
    [
        ([], "members"),
        ([PersonSpec("甲", "110105194912310021")], "does not match the 17 digits"),
        ([PersonSpec("甲", None, relation="child")], "exactly one head"),
    ],
)
def test_bad_households_are_refused(specs, match, people, world):
    specs = [PersonSpec(s.name, s.id_number or id_number(), relation=s.relation) for s in specs]
    with pytest.raises(InvalidInput, match=match):
        services.household_register(
            region=world.village_a1, address="一号", people=specs, actor=people.worker
        )
    assert Person.objects.count() == 0


def test_household_only_in_a_village_of_the_workers_region(people, world):
    spec = [PersonSpec("甲", id_number())]
    with pytest.raises(NotAllowed, match="outside your region"):
        services.household_register(
            region=world.village_b1, address="x", people=spec, actor=people.worker
        )
    with pytest.raises(NotAllowed, match="role needed"):
        services.household_register(
            region=world.village_a1, address="x", people=spec, actor=people.village_rev
        )


def test_regions_below_and_covers(world):
    assert set(selectors.regions_below(world.town_a)) == {
        world.town_a,
        world.village_a1,
        world.village_a2,
    }
    assert selectors.regions_below(world.county).count() == 6
    assert region_covers(world.county, world.village_b1)
    assert region_covers(world.village_a1, world.village_a1)
    assert not region_covers(world.town_a, world.village_b1)
    assert not region_covers(world.village_a1, world.town_a)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("32010200100", "village", "town_a"),  # 11 digits
        ("32010200100A", "village", "town_a"),  # not digits
        ("320102001000", "village", "town_a"),  # a village code ending 000
        ("320102003000", "county", None),  # a county code must end 000000
        ("320102001009", "village", None),  # a village needs a parent
    ],
)
def test_region_codes_held_by_the_database(code, level, parent, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            code=code, name="x", level=level, parent=getattr(world, parent) if parent else None
        )


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("320102001009", "village", "county"),  # a village directly below the county
        ("320102002009", "village", "town_a"),  # code outside its township's prefix
        ("320102003000", "township", "town_a"),  # a township below a township
    ],
)
def test_region_hierarchy_held_by_trigger_and_clean(code, level, parent, world):
    region = Region(code=code, name="x", level=level, parent=getattr(world, parent))
    with pytest.raises(ValidationError):
        region.full_clean()
    with pytest.raises(Exception, match="approvals: a region sits"), transaction.atomic():
        Region.objects.bulk_create([region])


def test_masking_helpers():
    assert crypto.mask_id_number("11010519491231002X") == "1101************2X"
    assert crypto.mask_bank_account("1234") == "**** 1234"
    assert crypto.mask_name("张晓明", "mask") == "张*明"
    assert crypto.mask_name("张明", "mask") == "张*"
    assert crypto.mask_name("欧阳晓明", "mask") == "欧**明"
    assert crypto.mask_name("张晓明", "surname") == "张**"
    assert crypto.mask_name("张晓明", "hide") == ""


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "-2+3", "\t@A1", " +1"])
def test_a_persons_name_that_would_run_as_a_formula_is_refused(name, people, world):
    # issue 13: names reach the bank file and every export; none begins like a formula
    with pytest.raises(InvalidInput, match="formula"):
        services.household_register(
            region=world.village_a1,
            address="一号",
            people=[PersonSpec(name, id_number())],
            actor=people.worker,
        )
    assert Person.objects.count() == 0
