//! live (to be written).
