//! CycloneDX 1.x JSON (1.2 to 1.6): components and their licenses.
//!
//! Ratify v1 only read SPDX; CycloneDX is mapped onto the same checks. Components are walked
//! depth first, a component before the ones nested in it, so assemblies are checked too. A
//! component's `licenses` list (`{license: {id}}`, `{license: {name}}` or `{expression}`
//! entries) becomes one SPDX-like expression, so the same token rule applies as for SPDX.

use serde_json::{Map, Value};

use crate::config::describe;
use crate::document::{Package, SbomDocument, as_object, join, list_field, string_field};

/// Reads a CycloneDX JSON document; the error says why `value` is not one.
pub fn parse(value: &Value) -> Result<SbomDocument, String> {
    let Value::Object(doc) = value else {
        return Err(format!(
            "it is not a CycloneDX document: expected a JSON object, found {}",
            describe(value)
        ));
    };
    match doc.get("bomFormat") {
        Some(Value::String(format)) if format == "CycloneDX" => {}
        Some(other) => {
            return Err(format!(
                "it is not a CycloneDX document: bomFormat is {other}, not \"CycloneDX\""
            ));
        }
        None if doc.contains_key("spdxVersion") => {
            return Err(
                "it is an SPDX document, not CycloneDX: fix the media type or artifact type"
                    .to_owned(),
            );
        }
        None => {
            return Err("it is not a CycloneDX document: there is no bomFormat field".to_owned());
        }
    }
    match doc.get("specVersion") {
        Some(Value::String(version)) if version.starts_with("1.") => {}
        Some(Value::String(version)) => {
            return Err(format!(
                "specVersion {version:?} is not supported: only CycloneDX 1.x JSON is"
            ));
        }
        Some(other) => {
            return Err(format!(
                "it is not a CycloneDX document: specVersion must be a string, found {}",
                describe(other)
            ));
        }
        None => {
            return Err("it is not a CycloneDX document: there is no specVersion field".to_owned());
        }
    }
    let mut packages = Vec::new();
    collect(
        list_field(doc, "components", "")?,
        "components",
        &mut packages,
    )?;
    Ok(SbomDocument {
        creation_info: creation_info(doc),
        packages,
    })
}

/// Appends `components` (at JSON path `path`) and everything nested in them, depth first.
fn collect(components: &[Value], path: &str, out: &mut Vec<Package>) -> Result<(), String> {
    for (i, item) in components.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let component = as_object(item, &path)?;
        out.push(Package {
            name: string_field(component, "name", &path)?,
            version: string_field(component, "version", &path)?,
            license: license_expression(component, &path)?,
        });
        let nested = list_field(component, "components", &path)?;
        collect(nested, &join(&path, "components"), out)?;
    }
    Ok(())
}

/// The component's licenses as one expression. Several entries are joined with `AND` (as syft
/// and the SPDX converters do); a compound expression among several is parenthesised so the
/// result still reads as one valid expression.
fn license_expression(component: &Map<String, Value>, path: &str) -> Result<String, String> {
    let list_path = join(path, "licenses");
    let mut parts = Vec::new();
    for (i, item) in list_field(component, "licenses", path)?.iter().enumerate() {
        let item_path = format!("{list_path}[{i}]");
        let entry = as_object(item, &item_path)?;
        let expression = string_field(entry, "expression", &item_path)?;
        if !expression.is_empty() {
            parts.push((expression, true));
            continue;
        }
        if let Some(license) = entry.get("license").filter(|v| !v.is_null()) {
            let license_path = join(&item_path, "license");
            let license = as_object(license, &license_path)?;
            // The schema makes `id` and `name` alternatives; prefer the SPDX id when both appear.
            let id = string_field(license, "id", &license_path)?;
            let name = string_field(license, "name", &license_path)?;
            let chosen = if id.is_empty() { name } else { id };
            if !chosen.is_empty() {
                parts.push((chosen, false));
            }
        }
    }
    let several = parts.len() > 1;
    Ok(parts
        .into_iter()
        .map(|(part, compound)| {
            // Only expressions are bracketed: a license *name* with spaces is not an expression.
            if several && compound && part.contains(char::is_whitespace) && !bracketed(&part) {
                format!("({part})")
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(" AND "))
}

/// Whether the whole of `expression` is one bracketed group, as in `(MIT OR Zlib)` but not
/// `(MIT) OR (Zlib)`.
fn bracketed(expression: &str) -> bool {
    let Some(inner) = expression.strip_prefix('(') else {
        return false;
    };
    let mut depth = 1usize;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == inner.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// What is reported as `creationInfo`: the parts of `metadata` that say who made the SBOM,
/// when, and about what. The rest (licenses, properties, …) is left out to keep results small.
fn creation_info(doc: &Map<String, Value>) -> Value {
    let Some(Value::Object(metadata)) = doc.get("metadata") else {
        return Value::Null;
    };
    let picked: Map<String, Value> = ["timestamp", "tools", "component"]
        .into_iter()
        .filter_map(|key| Some((key.to_owned(), metadata.get(key)?.clone())))
        .collect();
    Value::Object(picked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn bom(components: Value) -> Value {
        json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
    }

    #[test]
    fn nested_components_follow_their_parent() {
        let doc = parse(&bom(json!([
            {"name": "a", "version": "1", "components": [
                {"name": "a1", "components": [{"name": "a11"}]},
            ]},
            {"name": "b"},
        ])))
        .unwrap();
        let names: Vec<_> = doc.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "a1", "a11", "b"]);
    }

    #[test]
    fn license_forms_become_one_expression() {
        let cases = [
            (json!([{"license": {"id": "MIT"}}]), "MIT"),
            (
                json!([{"license": {"name": "The Foo License"}}]),
                "The Foo License",
            ),
            (
                json!([{"license": {"id": "MIT", "name": "MIT License"}}]),
                "MIT",
            ),
            (
                json!([{"expression": "MIT OR Apache-2.0"}]),
                "MIT OR Apache-2.0",
            ),
            (
                json!([{"license": {"id": "MIT"}}, {"license": {"id": "Zlib"}}]),
                "MIT AND Zlib",
            ),
            (
                json!([{"expression": "MIT OR Apache-2.0"}, {"license": {"id": "BSD-3-Clause"}}]),
                "(MIT OR Apache-2.0) AND BSD-3-Clause",
            ),
            (
                json!([{"expression": "(MIT OR Zlib)"}, {"expression": "(A) OR (B)"}]),
                "(MIT OR Zlib) AND ((A) OR (B))",
            ),
            (json!([{"license": {"url": "https://example.com"}}]), ""),
            (json!([]), ""),
        ];
        for (licenses, expected) in cases {
            let doc = parse(&bom(json!([{"name": "x", "licenses": licenses}]))).unwrap();
            assert_eq!(doc.packages[0].license, expected, "{licenses}");
        }
    }

    #[test]
    fn creation_info_is_the_metadata_summary() {
        let mut doc = bom(json!([]));
        doc["metadata"] = json!({"timestamp": "t", "tools": [{"name": "x"}], "licenses": []});
        let parsed = parse(&doc).unwrap();
        assert_eq!(
            parsed.creation_info,
            json!({"timestamp": "t", "tools": [{"name": "x"}]})
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            (json!("x"), "expected a JSON object, found a string"),
            (
                json!({"bomFormat": "SPDX"}),
                "bomFormat is \"SPDX\", not \"CycloneDX\"",
            ),
            (
                json!({"spdxVersion": "SPDX-2.3"}),
                "it is an SPDX document, not CycloneDX",
            ),
            (json!({"name": "x"}), "there is no bomFormat field"),
            (
                json!({"bomFormat": "CycloneDX"}),
                "there is no specVersion field",
            ),
            (
                json!({"bomFormat": "CycloneDX", "specVersion": "2.0"}),
                "specVersion \"2.0\" is not supported",
            ),
            (bom(json!({})), "components must be a list, found an object"),
            (
                bom(json!([{"name": "a", "components": [{"name": 5}]}])),
                "components[0].components[0].name must be a string, found a number",
            ),
            (
                bom(json!([{"name": "a", "licenses": [{"license": {"id": true}}]}])),
                "components[0].licenses[0].license.id must be a string, found a boolean",
            ),
        ];
        for (doc, expected) in cases {
            let error = parse(&doc).unwrap_err();
            assert!(error.contains(expected), "{doc}: {error}");
        }
    }
}
