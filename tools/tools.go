//go:build tools

// Package tools pins the development tools (documentation generator) in their own module, so their
// dependencies never leak into the provider's go.mod.
package tools

import (
	// tfplugindocs renders docs/ from the provider schema, templates/ and examples/.
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
