// Package docs holds tests that keep the user documentation honest: every
// enum value and field of the event model is described in docs/model.md,
// the mapping table there is what the normalizers do, and every relative
// link in README.md and docs/*.md resolves inside the repository.
package docs
