//! Reports as officials of the Kayes region write them, for the duplicate check's labelled
//! set (`tests/duplicates.rs`) and its benchmark (`benches/duplicates.rs`): six kinds of
//! incident, each told two ways in French, English and Arabic, at fourteen real places.
#![allow(dead_code)]

use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeMap;
use terrain_domain::{
    Coordinates, DatePrecision, EventType, GeoPrecision, Location, Report, Status, What, When,
};
use uuid::Uuid;

/// A place of the Kayes region: cercle, commune, how people name it in Latin and Arabic
/// script, and where it is.
pub struct Place {
    pub cercle: &'static str,
    pub commune: &'static str,
    pub name: &'static str,
    pub arabic: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

pub const PLACES: &[Place] = &[
    Place {
        cercle: "Bafoulabé",
        commune: "Bafoulabé",
        name: "Bafoulabé",
        arabic: "بافولابي",
        latitude: 13.8065,
        longitude: -10.8321,
    },
    Place {
        cercle: "Bafoulabé",
        commune: "Mahina",
        name: "Mahina",
        arabic: "ماهينا",
        latitude: 13.7580,
        longitude: -10.8470,
    },
    Place {
        cercle: "Bafoulabé",
        commune: "Oualia",
        name: "Oualia",
        arabic: "واليا",
        latitude: 13.6000,
        longitude: -10.3800,
    },
    Place {
        cercle: "Bafoulabé",
        commune: "Koundian",
        name: "Koundian",
        arabic: "كونديان",
        latitude: 13.1500,
        longitude: -10.6900,
    },
    Place {
        cercle: "Kayes",
        commune: "Kayes",
        name: "Kayes",
        arabic: "كاي",
        latitude: 14.4469,
        longitude: -11.4445,
    },
    Place {
        cercle: "Kayes",
        commune: "Sadiola",
        name: "Sadiola",
        arabic: "ساديولا",
        latitude: 13.8870,
        longitude: -11.6970,
    },
    Place {
        cercle: "Kayes",
        commune: "Diamou",
        name: "Diamou",
        arabic: "ديامو",
        latitude: 14.0900,
        longitude: -11.2670,
    },
    Place {
        cercle: "Kéniéba",
        commune: "Kéniéba",
        name: "Kéniéba",
        arabic: "كينيبا",
        latitude: 12.8411,
        longitude: -11.2364,
    },
    Place {
        cercle: "Kéniéba",
        commune: "Sitakily",
        name: "Sitakily",
        arabic: "سيتاكيلي",
        latitude: 12.9000,
        longitude: -11.5000,
    },
    Place {
        cercle: "Kéniéba",
        commune: "Faléa",
        name: "Faléa",
        arabic: "فاليا",
        latitude: 12.2600,
        longitude: -11.2800,
    },
    Place {
        cercle: "Kita",
        commune: "Kita",
        name: "Kita",
        arabic: "كيتا",
        latitude: 13.0350,
        longitude: -9.4895,
    },
    Place {
        cercle: "Diéma",
        commune: "Diéma",
        name: "Diéma",
        arabic: "دييما",
        latitude: 14.5410,
        longitude: -9.1840,
    },
    Place {
        cercle: "Nioro du Sahel",
        commune: "Nioro",
        name: "Nioro du Sahel",
        arabic: "نيورو",
        latitude: 15.2300,
        longitude: -9.5900,
    },
    Place {
        cercle: "Yélimané",
        commune: "Guidimé",
        name: "Yélimané",
        arabic: "يليماني",
        latitude: 15.1200,
        longitude: -10.5700,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Ar,
}

pub const LANGS: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Ar];

/// Six kinds of incident the region's officials report.
pub const KINDS: usize = 6;

/// The event type of a kind.
pub fn event_type(kind: usize) -> EventType {
    match kind % KINDS {
        0..=2 => EventType::ViolenceAgainstCivilians,
        3 => EventType::Protests,
        4 => EventType::Battles,
        _ => EventType::ExplosionsRemoteViolence,
    }
}

/// Title and narrative of a kind, in a language, one of two ways of telling it; `{p}` is the
/// place.
fn text(kind: usize, lang: Lang, variant: usize) -> (&'static str, &'static str) {
    let v = variant % 2;
    match (kind % KINDS, lang, v) {
        // An industrial plant attacked.
        (0, Lang::En, 0) => (
            "Gunmen attack plant near {p}, workers abducted",
            "Armed men on motorbikes stormed the plant near {p}, set the machinery ablaze and abducted several workers.",
        ),
        (0, Lang::En, _) => (
            "Industrial plant torched at {p}; staff kidnapped",
            "Assailants raided the factory at night, burned the warehouse and kidnapped employees.",
        ),
        (0, Lang::Fr, 0) => (
            "Attaque de l'usine de {p} : des ouvriers enlevés",
            "Des hommes armés à moto ont attaqué l'usine, incendié les machines et enlevé des ouvriers.",
        ),
        (0, Lang::Fr, _) => (
            "Usine incendiée près de {p}, employés kidnappés",
            "Des assaillants ont pris d'assaut l'unité industrielle, brûlé l'entrepôt et enlevé plusieurs travailleurs.",
        ),
        (0, Lang::Ar, 0) => (
            "هجوم مسلح على مصنع قرب {p} واختطاف عمال",
            "هاجم مسلحون على دراجات نارية المصنع وأحرقوا المعدات واختطفوا عمالا.",
        ),
        (0, Lang::Ar, _) => (
            "إحراق مصنع في {p} وخطف موظفين",
            "اقتحم مسلحون المصنع ليلا وأضرموا النار في المستودع وخطفوا عددا من العمال.",
        ),
        // A fuel convoy attacked.
        (1, Lang::En, 0) => (
            "Fuel tankers attacked and burned on the road near {p}",
            "Gunmen stopped a convoy of fuel tankers, set the trucks on fire and took the drivers.",
        ),
        (1, Lang::En, _) => (
            "Convoy of fuel trucks torched near {p}",
            "Armed men ambushed the tanker convoy on the highway and burned several trucks.",
        ),
        (1, Lang::Fr, 0) => (
            "Des citernes de carburant attaquées et incendiées sur l'axe de {p}",
            "Des hommes armés ont arrêté un convoi de citernes, incendié les camions et emmené les chauffeurs.",
        ),
        (1, Lang::Fr, _) => (
            "Convoi de camions-citernes incendié près de {p}",
            "Des assaillants ont tendu une embuscade au convoi de carburant et brûlé plusieurs camions.",
        ),
        (1, Lang::Ar, 0) => (
            "هجوم على صهاريج وقود وإحراقها على طريق {p}",
            "أوقف مسلحون قافلة صهاريج وقود وأحرقوا الشاحنات واختطفوا السائقين.",
        ),
        (1, Lang::Ar, _) => (
            "إحراق قافلة شاحنات وقود قرب {p}",
            "نصب مسلحون كمينا لقافلة الوقود على الطريق وأحرقوا عدة شاحنات.",
        ),
        // A gold-mining site raided.
        (2, Lang::En, 0) => (
            "Armed men raid gold mining site at {p}",
            "Gunmen attacked the artisanal gold mine, looted equipment and killed two miners.",
        ),
        (2, Lang::En, _) => (
            "Attack on gold miners near {p}",
            "Assailants on motorbikes stormed the mining site and looted the miners' machines.",
        ),
        (2, Lang::Fr, 0) => (
            "Attaque d'un site d'orpaillage à {p}",
            "Des hommes armés ont attaqué le site d'orpaillage, pillé le matériel et tué deux orpailleurs.",
        ),
        (2, Lang::Fr, _) => (
            "Orpailleurs attaqués près de {p}",
            "Des assaillants à moto ont pris d'assaut la mine d'or et pillé les équipements.",
        ),
        (2, Lang::Ar, 0) => (
            "هجوم مسلح على موقع لتعدين الذهب في {p}",
            "هاجم مسلحون منجم الذهب ونهبوا المعدات وقتلوا اثنين من العمال.",
        ),
        (2, Lang::Ar, _) => (
            "هجوم على منقبين عن الذهب قرب {p}",
            "اقتحم مسلحون على دراجات نارية موقع التعدين ونهبوا الآلات.",
        ),
        // A protest over fuel.
        (3, Lang::En, 0) => (
            "Protest at {p} market over fuel shortage",
            "Traders and drivers demonstrated at the market against the lack of fuel.",
        ),
        (3, Lang::En, _) => (
            "Demonstration in {p} against fuel prices",
            "Hundreds of protesters gathered in the town centre to denounce the fuel shortage.",
        ),
        (3, Lang::Fr, 0) => (
            "Manifestation au marché de {p} contre la pénurie de carburant",
            "Commerçants et chauffeurs ont manifesté au marché contre le manque de carburant.",
        ),
        (3, Lang::Fr, _) => (
            "Des manifestants dénoncent la pénurie d'essence à {p}",
            "Des centaines de manifestants se sont rassemblés au centre pour dénoncer la pénurie de carburant.",
        ),
        (3, Lang::Ar, 0) => (
            "احتجاج في سوق {p} بسبب نقص الوقود",
            "تظاهر التجار والسائقون في السوق احتجاجا على نقص الوقود.",
        ),
        (3, Lang::Ar, _) => (
            "مظاهرة في {p} ضد أسعار الوقود",
            "تجمع مئات المتظاهرين في وسط المدينة للتنديد بنقص البنزين.",
        ),
        // Soldiers and jihadists clash.
        (4, Lang::En, 0) => (
            "Soldiers clash with jihadists near {p}",
            "Malian army troops exchanged fire with armed men; losses on both sides.",
        ),
        (4, Lang::En, _) => (
            "Army patrol ambushed near {p}",
            "A military patrol was ambushed by jihadists; soldiers killed.",
        ),
        (4, Lang::Fr, 0) => (
            "Accrochage entre les FAMa et des djihadistes près de {p}",
            "Les soldats ont échangé des tirs avec des hommes armés ; pertes des deux côtés.",
        ),
        (4, Lang::Fr, _) => (
            "Une patrouille de l'armée tombe dans une embuscade près de {p}",
            "Une patrouille militaire a été prise en embuscade par des djihadistes ; des soldats tués.",
        ),
        (4, Lang::Ar, 0) => (
            "اشتباك بين الجيش وجهاديين قرب {p}",
            "تبادل جنود الجيش المالي إطلاق النار مع مسلحين وسقوط قتلى من الجانبين.",
        ),
        (4, Lang::Ar, _) => (
            "كمين لدورية للجيش قرب {p}",
            "تعرضت دورية عسكرية لكمين نصبه جهاديون ومقتل جنود.",
        ),
        // An explosive device on a road.
        (_, Lang::En, 0) => (
            "Army vehicle hits explosive device near {p}",
            "A military vehicle struck an improvised explosive device on the road; soldiers injured.",
        ),
        (_, Lang::En, _) => (
            "IED blast on the {p} road",
            "An explosion hit an army truck on the road; several soldiers wounded.",
        ),
        (_, Lang::Fr, 0) => (
            "Un véhicule des FAMa saute sur un engin explosif près de {p}",
            "Un véhicule militaire a sauté sur un engin explosif improvisé sur la route ; soldats blessés.",
        ),
        (_, Lang::Fr, _) => (
            "Explosion d'un EEI sur la route de {p}",
            "Une explosion a touché un camion de l'armée sur l'axe ; plusieurs soldats blessés.",
        ),
        (_, Lang::Ar, 0) => (
            "آلية للجيش تنفجر بها عبوة ناسفة قرب {p}",
            "انفجرت عبوة ناسفة بآلية عسكرية على الطريق وإصابة جنود.",
        ),
        (_, Lang::Ar, _) => (
            "انفجار عبوة ناسفة على طريق {p}",
            "أصاب انفجار شاحنة للجيش على الطريق وجرح عدة جنود.",
        ),
    }
}

/// How a report places the incident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placing {
    /// Coordinates this many km north of the place, as a point of the place itself.
    Point(f64),
    /// Coordinates this many km north, "near" the place.
    Near(f64),
    /// The commune named, no coordinates.
    Commune,
    /// Only the cercle.
    Cercle,
}

/// One report.
pub struct Spec {
    pub kind: usize,
    pub lang: Lang,
    pub variant: usize,
    pub place: usize,
    pub date: NaiveDate,
    pub precision: DatePrecision,
    pub placing: Placing,
}

pub fn id(n: u64) -> Uuid {
    Uuid::from_u64_pair(0x0190_0000_0000_7000, 0x8000_0000_0000_0000 | n)
}

pub fn report(n: u64, s: &Spec) -> Report {
    let place = &PLACES[s.place % PLACES.len()];
    let shown = if s.lang == Lang::Ar {
        place.arabic
    } else {
        place.name
    };
    let (title, narrative) = text(s.kind, s.lang, s.variant);
    let (coordinates, geo_precision) = match s.placing {
        Placing::Point(km) | Placing::Near(km) => (
            Some(Coordinates {
                latitude: place.latitude + km / 111.2,
                longitude: place.longitude,
            }),
            if matches!(s.placing, Placing::Near(_)) {
                GeoPrecision::Near
            } else {
                GeoPrecision::Place
            },
        ),
        _ => (None, GeoPrecision::Near),
    };
    let date = match s.precision {
        DatePrecision::Week => {
            s.date - Days::new(u64::from(s.date.weekday().num_days_from_monday()))
        }
        DatePrecision::Month => s.date.with_day(1).unwrap(),
        _ => s.date,
    };
    Report {
        schema_version: 1,
        id: id(n),
        title: title.replace("{p}", shown),
        status: Status::Final,
        when: When {
            date,
            time: None,
            end_date: None,
            precision: s.precision,
            utc_offset_minutes: 0,
        },
        location: Location {
            admin1: "Kayes".into(),
            admin2: Some(place.cercle.into()),
            admin3: (s.placing != Placing::Cercle).then(|| place.commune.into()),
            place: None,
            coordinates,
            geo_precision,
        },
        what: What {
            event_type: Some(event_type(s.kind)),
            sub_event_type: None,
            categories: vec![],
        },
        perpetrators: vec![],
        targets: vec![],
        sites: vec![],
        figures: BTreeMap::new(),
        sources: vec![],
        narrative: narrative.replace("{p}", shown),
        damage: None,
        tags: vec![],
        attachments: vec![],
    }
}

/// A small deterministic generator (xorshift), so the set is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
