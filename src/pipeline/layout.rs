//! Where everything lives under `generated/`: the one place that knows the
//! layout. Paths are relative to the project root; text paths inside the
//! ledger are relative to `generated/` and always `/`-separated, so ledgers
//! compare across platforms.

use std::path::{Path, PathBuf};

use crate::review::Format;

/// Folder, relative to the project root, that `build` writes into.
pub const GENERATED_DIR: &str = "generated";
/// A version's CloudFormation template.
pub const TEMPLATE_FILE: &str = "template.json";
/// The Markdown review beside each template.
pub const REVIEW_MD: &str = "REVIEW.md";
/// The HTML review beside each template.
pub const REVIEW_HTML: &str = "review.html";
/// The HTML index of every review, in `generated/`.
pub const INDEX_HTML: &str = "index.html";
/// The Markdown index, in `generated/`.
pub const INDEX_MD: &str = "README.md";
/// The release ledger, in `generated/`.
pub const LEDGER_FILE: &str = "releases.json";
/// A module's changelog, in `generated/<module>/`.
pub const CHANGELOG_FILE: &str = "CHANGELOG.md";
/// The capability matrix, in `generated/`.
pub const CAPABILITIES_FILE: &str = "capabilities.json";

/// The vendor side's folder, in `generated/`: the authoriser role's policy.
pub const VENDOR_DIR: &str = "vendor";
/// The vendor side's identity policy document.
pub const VENDOR_POLICY_FILE: &str = "policy.json";

/// `generated/<rel>` (for a ledger path such as `m/1.0.0/template.json`).
pub fn generated(rel: &str) -> PathBuf {
    Path::new(GENERATED_DIR).join(rel)
}

/// A version's folder, relative to `generated/`: `<module>/<version>`.
pub fn version_dir(module: &str, version: &semver::Version) -> String {
    format!("{module}/{version}")
}

/// A version's template.
pub fn template(module: &str, version: &semver::Version) -> PathBuf {
    generated(&format!("{}/{TEMPLATE_FILE}", version_dir(module, version)))
}

/// A review document's name.
pub fn review_file(format: Format) -> &'static str {
    match format {
        Format::Markdown => REVIEW_MD,
        Format::Html => REVIEW_HTML,
    }
}

/// A review document, relative to `generated/` (how the index links it).
pub fn review_link(module: &str, version: &semver::Version, format: Format) -> String {
    format!("{}/{}", version_dir(module, version), review_file(format))
}

/// A review document.
pub fn review(module: &str, version: &semver::Version, format: Format) -> PathBuf {
    generated(&review_link(module, version, format))
}

/// The release ledger.
pub fn ledger() -> PathBuf {
    generated(LEDGER_FILE)
}

/// A module's changelog.
pub fn changelog(module: &str) -> PathBuf {
    generated(&format!("{module}/{CHANGELOG_FILE}"))
}

/// The capability matrix.
pub fn capabilities() -> PathBuf {
    generated(CAPABILITIES_FILE)
}

/// A file of the vendor side: `generated/vendor/<name>` (`policy.json`,
/// `template.json`, `REVIEW.md`). Never frozen: it is the vendor's.
pub fn vendor(name: &str) -> PathBuf {
    generated(&format!("{VENDOR_DIR}/{name}"))
}

/// Does a release freeze this file of a version folder? Only the template:
/// it is what the customer deploys. Review documents are documentation,
/// regenerated from the ledger, so their settings never force a bump.
pub fn is_frozen(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == TEMPLATE_FILE)
}

/// Path text with `/` separators whatever the platform.
pub fn text(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The ledger path (relative to `generated/`) of a file under a version
/// folder, or `None` for a file outside `generated/<module>/<version>/`.
pub fn in_version_dir(path: &Path, module: &str, version: &semver::Version) -> Option<String> {
    let dir = generated(&version_dir(module, version));
    if !path.starts_with(&dir) {
        return None;
    }
    path.strip_prefix(GENERATED_DIR).ok().map(text)
}
