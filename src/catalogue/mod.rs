//! catalogue (to be written).
