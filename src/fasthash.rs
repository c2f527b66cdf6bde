//! A fast hash for maps keyed by text the user gives rolesmith itself (policy
//! documents of a batch, service prefixes of a policy): FxHash's
//! multiply-rotate over eight bytes at a time. SipHash's resistance to
//! collision flooding buys nothing for one's own input and cost more than a
//! tenth of a batch.

use std::hash::{BuildHasherDefault, Hasher};

/// Hash state (FxHash's mixing step).
#[derive(Debug, Default, Clone, Copy)]
pub struct WordHash(u64);

/// The builder `HashMap`s take: `HashMap<K, V, FastHash>`.
pub type FastHash = BuildHasherDefault<WordHash>;

impl Hasher for WordHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.mix(u64::from(b));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl WordHash {
    fn mix(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}
