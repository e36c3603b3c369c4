//! The ACLED event taxonomy and Terrain's local categories.
//!
//! Labels are ACLED's own spelling so exports line up with the field's main dataset.

use serde::{Deserialize, Serialize};

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub enum $name {
            $(#[serde(rename = $label)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Finds a value by its label, ignoring case, accents and punctuation spacing.
            pub fn from_label(text: &str) -> Option<$name> {
                let key = crate::gazetteer::fold(text);
                Self::ALL.iter().copied().find(|v| crate::gazetteer::fold(v.label()) == key)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

labelled_enum!(
    /// ACLED's six event types.
    EventType {
        Battles => "Battles",
        ExplosionsRemoteViolence => "Explosions/Remote violence",
        ViolenceAgainstCivilians => "Violence against civilians",
        Protests => "Protests",
        Riots => "Riots",
        StrategicDevelopments => "Strategic developments",
    }
);

labelled_enum!(
    /// ACLED's sub-event types; each belongs to exactly one event type.
    SubEventType {
        ArmedClash => "Armed clash",
        GovernmentRegainsTerritory => "Government regains territory",
        NonStateActorOvertakesTerritory => "Non-state actor overtakes territory",
        ChemicalWeapon => "Chemical weapon",
        AirDroneStrike => "Air/drone strike",
        SuicideBomb => "Suicide bomb",
        ShellingArtilleryMissile => "Shelling/artillery/missile attack",
        RemoteExplosive => "Remote explosive/landmine/IED",
        Grenade => "Grenade",
        SexualViolence => "Sexual violence",
        Attack => "Attack",
        Abduction => "Abduction/forced disappearance",
        PeacefulProtest => "Peaceful protest",
        ProtestWithIntervention => "Protest with intervention",
        ExcessiveForce => "Excessive force against protesters",
        ViolentDemonstration => "Violent demonstration",
        MobViolence => "Mob violence",
        Agreement => "Agreement",
        Arrests => "Arrests",
        ChangeToGroup => "Change to group/activity",
        DisruptedWeaponsUse => "Disrupted weapons use",
        HeadquartersEstablished => "Headquarters or base established",
        LootingPropertyDestruction => "Looting/property destruction",
        NonViolentTransfer => "Non-violent transfer of territory",
        Other => "Other",
    }
);

impl SubEventType {
    pub fn event_type(self) -> EventType {
        use EventType as E;
        use SubEventType as S;
        match self {
            S::ArmedClash | S::GovernmentRegainsTerritory | S::NonStateActorOvertakesTerritory => {
                E::Battles
            }
            S::ChemicalWeapon
            | S::AirDroneStrike
            | S::SuicideBomb
            | S::ShellingArtilleryMissile
            | S::RemoteExplosive
            | S::Grenade => E::ExplosionsRemoteViolence,
            S::SexualViolence | S::Attack | S::Abduction => E::ViolenceAgainstCivilians,
            S::PeacefulProtest | S::ProtestWithIntervention | S::ExcessiveForce => E::Protests,
            S::ViolentDemonstration | S::MobViolence => E::Riots,
            S::Agreement
            | S::Arrests
            | S::ChangeToGroup
            | S::DisruptedWeaponsUse
            | S::HeadquartersEstablished
            | S::LootingPropertyDestruction
            | S::NonViolentTransfer
            | S::Other => E::StrategicDevelopments,
        }
    }
}

impl EventType {
    pub fn sub_event_types(self) -> impl Iterator<Item = SubEventType> {
        SubEventType::ALL
            .iter()
            .copied()
            .filter(move |s| s.event_type() == self)
    }
}

labelled_enum!(
    /// Terrain's own categories for what ACLED's taxonomy does not single out.
    LocalCategory {
        EconomicSabotage => "economic_sabotage",
        IndustrialSiteAttack => "industrial_site_attack",
        MineAttack => "mine_attack",
        FuelConvoyAttack => "fuel_convoy_attack",
        FuelBlockade => "fuel_blockade",
        FuelShortage => "fuel_shortage",
        PowerCut => "power_cut",
        RoadBlockade => "road_blockade",
        KidnappingForRansom => "kidnapping_for_ransom",
        Extortion => "extortion",
        Arson => "arson",
        Threat => "threat",
    }
);

impl LocalCategory {
    /// The category in words, for people: "economic sabotage".
    pub fn words(self) -> String {
        self.label().replace('_', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_read_as_words() {
        assert_eq!(LocalCategory::EconomicSabotage.words(), "economic sabotage");
    }

    #[test]
    fn every_event_type_has_sub_event_types() {
        for e in EventType::ALL {
            assert!(e.sub_event_types().count() >= 2, "{e}");
        }
        let total: usize = EventType::ALL
            .iter()
            .map(|e| e.sub_event_types().count())
            .sum();
        assert_eq!(total, SubEventType::ALL.len());
    }

    #[test]
    fn labels_round_trip_through_json_and_lookup() {
        let json = serde_json::to_string(&SubEventType::Abduction).unwrap();
        assert_eq!(json, "\"Abduction/forced disappearance\"");
        assert_eq!(
            SubEventType::from_label("abduction/forced DISAPPEARANCE"),
            Some(SubEventType::Abduction)
        );
        assert_eq!(
            EventType::from_label("violence against civilians"),
            Some(EventType::ViolenceAgainstCivilians)
        );
        assert_eq!(
            LocalCategory::from_label("Fuel_Blockade"),
            Some(LocalCategory::FuelBlockade)
        );
        assert_eq!(EventType::from_label("war"), None);
    }
}
