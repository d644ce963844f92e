// Package importer turns a protocol written for the paper's artifact (Hydro's
// `datalog!` macro, one Rust file per role, as in rust/examples/<protocol>/
// of rithvikp/autocomp) into one ordinary dsim program.
//
// Two pieces:
//
//   - Extract pulls the Dedalus text out of a role's .rs file: the raw
//     strings of its datalog!(r#"..."#) macros, padded with blanks so that
//     every line and column of the result is the line and column of the .rs
//     file. Parsing the result names positions in the Rust file, and `dsim
//     vet role.rs` works unchanged.
//   - Import reads a deployment manifest (TOML, docs/IMPORT.md) that
//     supplies what the Rust glue supplied: instance counts, where each
//     .async relation goes, the values of the roles' EDB inputs per
//     instance, timer periods, the client request and reply relations, and
//     the tick input. It generates components (with `refines` where the
//     manifest says so) that dsim run, explore, check and bench accept.
//
// Every problem, in a manifest or a role file, is a syntax.Diagnostic with
// file:line:col and a hint; nothing here panics on bad input.
package importer
