"""The directory of free clinics and shelters: store, search, places, hours, import and
export (CSV, HSDS)."""
