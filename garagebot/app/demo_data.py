"""The demo garage's people, cars and visits (English and Arabic); its service
templates and settings are in ``demo_garage.yaml``.

Pure data: ``garagebot.app.demo`` feeds it through the real core services.
The Telegram user ids (100000001 …) and phones below are the documented demo
identities; the README lists them. Phones are valid Jordanian mobiles
(+96277 / +96278 / +96279), plates follow the Jordanian "NN-NNNNN" form and
every VIN given passes its ISO 3779 check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

from garagebot.core.enums import Role, SessionStatus, Skill


@dataclass(frozen=True, slots=True)
class GarageSpec:
    slug: str
    name_en: str
    name_ar: str
    timezone: str
    currency: str


@dataclass(frozen=True, slots=True)
class StaffSpec:
    key: str
    name: str
    role: Role
    telegram_user_id: int
    phone: str
    locale: str
    skills: tuple[Skill, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str
    phone: str
    locale: str


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    client: int  # index into CLIENTS
    plate: str
    make: str
    model: str
    year: int
    colour: str
    mileage_km: int
    vin: str | None = None


@dataclass(frozen=True, slots=True)
class VisitSpec:
    """A session to replay: opened ``hours_ago`` before the seeding time, with
    job cards from ``templates``, then walked to ``status``."""

    vehicle: int  # index into VEHICLES
    complaint: str
    templates: tuple[str, ...]
    status: SessionStatus
    hours_ago: int
    # The client's answer to the quote: "approve" (WhatsApp), "sign" (the signed
    # page), "partial" (the optional line declined), "decline"; "draft": not sent.
    quote: str = "approve"
    # How the invoice is paid: "cash", "card", "bank", "cash-half", "open" (not
    # yet), "fleet" (on the fleet customer's account); None: no invoice yet.
    payment: str | None = None


GARAGE = GarageSpec(
    slug="al-nour",
    name_en="Al-Nour Auto Service",
    name_ar="مركز النور لصيانة السيارات",
    timezone="Asia/Amman",
    currency="JOD",
)

_M, _E, _A, _D, _T = Skill.MECHANICAL, Skill.ELECTRICAL, Skill.AC, Skill.DIAGNOSTICS, Skill.TYRES

STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("owner", "سامر الحداد", Role.OWNER, 100000001, "+962795550101", "ar"),
    StaffSpec("manager", "Lina Khoury", Role.MANAGER, 100000002, "+962795550102", "en"),
    StaffSpec("advisor", "رامي العلي", Role.ADVISOR, 100000003, "+962795550103", "ar"),
    StaffSpec("advisor2", "Dana Saleh", Role.ADVISOR, 100000004, "+962795550104", "en"),
    StaffSpec("lead", "عمر ناصر", Role.LEAD_TECHNICIAN, 100000005, "+962795550105", "ar",
              (_M, _E, _D)),
    StaffSpec("tech", "Yousef Masri", Role.TECHNICIAN, 100000006, "+962795550106", "en", (_M, _T)),
    StaffSpec("tech2", "محمد الزعبي", Role.TECHNICIAN, 100000007, "+962795550107", "ar",
              (_E, _D, _A)),
    StaffSpec("tech3", "Ahmad Qasem", Role.TECHNICIAN, 100000008, "+962795550108", "en", (_A, _M)),
    StaffSpec("assistant", "علي بدران", Role.ASSISTANT, 100000009, "+962795550109", "ar"),
    StaffSpec("inventory", "Hana Odeh", Role.INVENTORY, 100000010, "+962795550110", "en"),
    StaffSpec("accountant", "ريم الخطيب", Role.ACCOUNTANT, 100000011, "+962795550111", "ar"),
)

CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("أحمد المومني", "+962782530829", "ar"),
    ClientSpec("Sara Haddad", "+962780810111", "en"),
    ClientSpec("خالد العبادي", "+962778990608", "ar"),
    ClientSpec("Rania Nimri", "+962776135241", "en"),
    ClientSpec("فاطمة الشريف", "+962790973060", "ar"),
    ClientSpec("Tariq Bisharat", "+962793602037", "en"),
    ClientSpec("محمود الرواشدة", "+962771441955", "ar"),
    ClientSpec("Layla Azar", "+962787015764", "en"),
    ClientSpec("يوسف الطراونة", "+962779245038", "ar"),
    ClientSpec("John Miller", "+962780991709", "en"),
    ClientSpec("هبة الفايز", "+962792077052", "ar"),
    ClientSpec("Karim Dajani", "+962779781064", "en"),
    ClientSpec("إبراهيم المجالي", "+962779682180", "ar"),
    ClientSpec("Nadia Shami", "+962796655194", "en"),
    ClientSpec("سليمان الخوالدة", "+962779339287", "ar"),
    ClientSpec("Priya Nair", "+962782420198", "en"),
    ClientSpec("رنا عبيدات", "+962791976225", "ar"),
    ClientSpec("Faris Khalil", "+962795175466", "en"),
    ClientSpec("عبدالله الزيود", "+962793032085", "ar"),
    ClientSpec("Maya Sabbagh", "+962779757631", "en"),
    ClientSpec("منى الحياري", "+962793151952", "ar"),
    ClientSpec("David Clarke", "+962781634613", "en"),
    ClientSpec("زيد البطاينة", "+962791053424", "ar"),
    ClientSpec("Hind Qatarneh", "+962790999941", "en"),
    ClientSpec("عمر الشوبكي", "+962793455413", "ar"),
    ClientSpec("Ghada Twal", "+962788920785", "en"),
    ClientSpec("نور السعود", "+962785270514", "ar"),
    ClientSpec("Marwan Haddadin", "+962789824097", "en"),
    ClientSpec("سلمى القضاة", "+962786066345", "ar"),
    ClientSpec("Adel Kawar", "+962779637230", "en"),
)

VEHICLES: tuple[VehicleSpec, ...] = (
    VehicleSpec(0, "12-34567", "Toyota", "Corolla", 2018, "White", 98500, "JTDBR32E6J0123456"),
    VehicleSpec(1, "21-10458", "Hyundai", "Elantra", 2019, "Silver", 76200, "KMHD841C5KU056789"),
    VehicleSpec(2, "13-55021", "Kia", "Cerato", 2016, "Grey", 142300, "KNAFK4117G5234567"),
    VehicleSpec(3, "17-20884", "Mitsubishi", "Pajero", 1998, "Green", 312000, "JMBXTGA28WE004321"),
    VehicleSpec(4, "22-47310", "Nissan", "Patrol", 2001, "Beige", 288400, "JN1TANT361W012345"),
    VehicleSpec(5, "10-90133", "Mercedes-Benz", "C 200", 2017, "Black", 88900, "WDD205003HF123456"),
    VehicleSpec(6, "31-62045", "Toyota", "RAV4", 2018, "Red", 101750, "JTMBFREV2JD098765"),
    VehicleSpec(7, "14-38219", "Hyundai", "Accent", 2014, "Blue", 198600, "KMHCT41D6EU212345"),
    VehicleSpec(8, "19-70452", "Kia", "Rio", 2014, "White", 176300, "KNADN5124E6543210"),
    VehicleSpec(9, "11-24680", "Mercedes-Benz", "E 200", 2005, "Silver", 265000, "WDB2110005A765432"),
    VehicleSpec(10, "16-81357", "Toyota", "Land Cruiser Prado", 2005, "White", 301200,
                "JTEBU3FJ205123456"),
    VehicleSpec(11, "23-11223", "Hyundai", "Sonata", 2015, "Pearl white", 154800, "5NPE24AF1FH123456"),
    VehicleSpec(12, "18-44556", "Toyota", "Camry", 2007, "Grey", 233900, "JTNBE46K673012345"),
    VehicleSpec(13, "24-66778", "Nissan", "X-Trail", 2017, "Black", 119400, "JN8AT2MV1HW012345"),
    VehicleSpec(14, "15-30219", "Toyota", "Prius", 2016, "Silver", 187500),
    VehicleSpec(15, "20-50937", "Hyundai", "Ioniq", 2019, "White", 96300),
    VehicleSpec(16, "25-12840", "Kia", "Sportage", 2020, "Grey", 54200),
    VehicleSpec(17, "26-73104", "Kia", "Picanto", 2021, "Red", 38900),
    VehicleSpec(18, "27-40068", "Mitsubishi", "Lancer", 2012, "Silver", 205600),
    VehicleSpec(19, "28-91572", "Mitsubishi", "L200", 2015, "White", 244100),
    VehicleSpec(20, "29-35820", "Nissan", "Sunny", 2018, "Blue", 112700),
    VehicleSpec(21, "30-60417", "Toyota", "Hilux", 2016, "White", 268300),
    VehicleSpec(22, "32-18295", "Hyundai", "Tucson", 2021, "Black", 47800),
    VehicleSpec(23, "33-77103", "Kia", "Niro", 2020, "White", 71500),
    VehicleSpec(24, "34-29046", "Honda", "Civic", 2017, "Grey", 131900),
    VehicleSpec(25, "35-84531", "Volkswagen", "Golf", 2013, "Blue", 189300),
    VehicleSpec(26, "36-10987", "Mercedes-Benz", "GLC 300", 2019, "White", 63400),
    VehicleSpec(27, "37-52364", "Chevrolet", "Malibu", 2016, "Silver", 138200),
    VehicleSpec(28, "38-46012", "Ford", "Fusion", 2015, "Black", 161000),
    VehicleSpec(29, "39-73680", "Toyota", "Yaris", 2019, "Red", 58700),
    VehicleSpec(0, "40-21975", "Hyundai", "Elantra", 2021, "Grey", 42300),
    VehicleSpec(2, "41-63740", "Toyota", "Corolla", 2022, "White", 31800),
    VehicleSpec(4, "42-85201", "Kia", "Sorento", 2018, "Silver", 121600),
    VehicleSpec(6, "43-14592", "Nissan", "Altima", 2016, "Black", 149900),
    VehicleSpec(9, "44-37028", "Toyota", "Avalon", 2013, "Pearl white", 201400),
    VehicleSpec(11, "45-92816", "Mitsubishi", "Outlander", 2017, "Grey", 127300),
    VehicleSpec(13, "46-50483", "Hyundai", "Santa Fe", 2019, "Blue", 84600),
    VehicleSpec(16, "47-26319", "Kia", "K5", 2022, "White", 27500),
    VehicleSpec(20, "48-71054", "BMW", "520i", 2014, "Black", 176800),
    VehicleSpec(25, "49-38642", "Toyota", "Fortuner", 2020, "Silver", 69200),
)


_S = SessionStatus

# Oldest first: the replay opens them in this order.
VISITS: tuple[VisitSpec, ...] = (
    VisitSpec(0, "Regular oil service", ("oil_service",), _S.DELIVERED, 290, payment="cash"),
    VisitSpec(5, "صوت عند الضغط على الفرامل", ("brake_pads",), _S.DELIVERED, 242, quote="sign",
              payment="card"),
    VisitSpec(12, "المكيف لا يبرد", ("diagnosis", "ac_service"), _S.DELIVERED, 218, payment="fleet"),
    VisitSpec(21, "Timing belt due at 270,000 km", ("timing_belt",), _S.DELIVERED, 194, payment="bank"),
    VisitSpec(3, "فحص شامل قبل السفر", ("diagnosis", "oil_service"), _S.DELIVERED, 146, quote="partial",
              payment="cash"),
    VisitSpec(9, "Engine warning light is on", ("diagnosis",), _S.CANCELLED, 122, quote="decline"),
    VisitSpec(19, "تسريب زيت من أسفل المحرك", ("diagnosis",), _S.ON_HOLD, 98),  # its quote expires
    VisitSpec(14, "Hybrid battery warning", ("diagnosis",), _S.AWAITING_PARTS, 74),
    VisitSpec(4, "صيانة دورية وتغيير زيت", ("oil_service",), _S.COMPLETED, 52, payment="cash-half"),
    VisitSpec(7, "Brakes squeal at low speed", ("brake_pads",), _S.READY_FOR_PICKUP, 48, quote="sign",
              payment="open"),
    VisitSpec(13, "تبديل حزام التوقيت حسب الجدول", ("timing_belt",), _S.QA_CHECK, 28),
    VisitSpec(26, "Oil service and brake check", ("oil_service", "brake_pads"), _S.IN_PROGRESS, 24),
    VisitSpec(8, "المكيف يصدر رائحة", ("ac_service",), _S.IN_PROGRESS, 8),
    VisitSpec(11, "Car pulls to the right when braking", ("diagnosis", "brake_pads"),
              _S.AWAITING_CLIENT_APPROVAL, 7),
    VisitSpec(2, "صوت طقطقة من المحرك", ("diagnosis",), _S.DIAGNOSING, 5, quote="draft"),
    VisitSpec(30, "Battery drains overnight", ("diagnosis",), _S.DIAGNOSING, 4),
    VisitSpec(16, "AC blows warm air", ("ac_service",), _S.NEW, 2),
    VisitSpec(33, "تغيير زيت وفلتر", ("oil_service",), _S.NEW, 1),
)
