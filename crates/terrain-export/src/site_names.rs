//! The names exports give the registry's sites ("Diawara lime plant" rather than an id).

use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

/// Site names by id. A device knows its whole registry before writing; the server learns the
/// sites a streaming export names a page at a time, from the task reading the pages while a
/// writer already runs, so the names can be added to through a shared reference: a page's
/// names are in before its rows reach the writer.
#[derive(Debug, Default)]
pub struct SiteNames(RwLock<HashMap<Uuid, String>>);

impl SiteNames {
    pub fn new() -> SiteNames {
        SiteNames::default()
    }

    /// The name of site `id`, if known.
    pub fn get(&self, id: &Uuid) -> Option<String> {
        self.read().get(id).cloned()
    }

    /// Whether site `id` was looked up already (with or without a name).
    pub fn contains(&self, id: &Uuid) -> bool {
        self.read().contains_key(id)
    }

    pub fn insert(&self, id: Uuid, name: String) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, name);
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Uuid, String>> {
        // A writer that panicked mid-insert left a whole map (insert is one step).
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clone for SiteNames {
    fn clone(&self) -> SiteNames {
        SiteNames(RwLock::new(self.read().clone()))
    }
}

impl FromIterator<(Uuid, String)> for SiteNames {
    fn from_iter<I: IntoIterator<Item = (Uuid, String)>>(names: I) -> SiteNames {
        SiteNames(RwLock::new(names.into_iter().collect()))
    }
}

impl<const N: usize> From<[(Uuid, String); N]> for SiteNames {
    fn from(names: [(Uuid, String); N]) -> SiteNames {
        names.into_iter().collect()
    }
}
