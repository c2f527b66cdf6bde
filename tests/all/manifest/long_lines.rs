//! Issue 15: a manifest with a very long line gets a bounded diagnostic
//! (a window of the line around the problem), with the line and column
//! still counted in the whole file.

use crate::util;

/// A 10 MB one-line manifest with two problems near its end.
fn one_line_manifest() -> String {
    format!(
        "{{module: big, version: 1.0.0, description: \"{}\", features: [{{id: view, \
         description: Read things., actions: [connect:DescribeContactFlowz]}}], bogus: 1}}",
        "a".repeat(10_000_000)
    )
}

/// 1-based character column of `needle` in the one-line `text`.
fn column_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count() + 1
}

#[test]
fn a_10_mb_one_line_manifest_gets_a_bounded_diagnostic() {
    let dir = util::temp_project(&util::fixtures("manifest").join("projects/valid"));
    let text = one_line_manifest();
    std::fs::write(dir.path().join("modules/big.yaml"), &text).unwrap();
    let config = dir.path().join("rolesmith.yaml");

    let (code, stdout, stderr) = util::with_config(&config, &["validate"]).parts();
    assert_eq!(code, 1, "{stdout}");
    // Two problems, each a few hundred bytes, not the 10 MB line.
    assert!(stderr.len() < 4_000, "{} bytes of stderr", stderr.len());
    let action = column_of(&text, "connect:DescribeContactFlowz");
    let key = column_of(&text, "bogus");
    assert!(
        stderr.contains(&format!("[modules/big.yaml:1:{action}]")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("[modules/big.yaml:1:{key}]")),
        "{stderr}"
    );
    assert!(stderr.contains("unknown action `connect:DescribeContactFlowz`"));
    assert!(stderr.contains("…"), "the cut is marked: {stderr}");

    let (code, stdout, _) = util::with_config(&config, &["validate", "--format", "json"]).parts();
    assert_eq!(code, 1);
    assert!(stdout.len() < 4_000, "{} bytes of stdout", stdout.len());
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cols: Vec<(u64, u64)> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["file"] == "modules/big.yaml")
        .map(|p| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(cols, vec![(1, action as u64), (1, key as u64)], "{stdout}");
}

#[test]
fn a_long_line_beside_the_problem_is_left_out() {
    let dir = util::temp_project(&util::fixtures("manifest").join("projects/valid"));
    let text = format!(
        "module: big\nversion: 1.0.0\ndescription: {}\nbogus: 1\nfeatures:\n  - id: view\n    \
         description: Read things.\n    actions: [connect:DescribeContactFlow]\n",
        "d".repeat(1_000_000)
    );
    std::fs::write(dir.path().join("modules/big.yaml"), &text).unwrap();
    let (code, stdout, stderr) =
        util::with_config(&dir.path().join("rolesmith.yaml"), &["validate"]).parts();
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.len() < 2_000, "{} bytes of stderr", stderr.len());
    assert!(stderr.contains("[modules/big.yaml:4:1]"), "{stderr}");
    assert!(stderr.contains(" 4 | bogus: 1"), "{stderr}");
    assert!(!stderr.contains("ddd"), "{stderr}");
}
