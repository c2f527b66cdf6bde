//! version (to be written).
