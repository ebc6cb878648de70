package provider

// Enforcing allowed_results: one error per failed task, in our words, with what the service said about it.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// runResultDiagnostics enforces allowed_results: nothing when the run's result is allowed,
// otherwise one error per failed task (file, code, message, description, KB link) plus the run-level error.
func runResultDiagnostics(t runTarget, caller runCaller, run *wire.Run, allowed []string, names map[string]string) diag.Diagnostics {
	var diags diag.Diagnostics
	if run == nil || slices.Contains(allowed, run.Result) {
		return diags
	}
	allowedText := "[" + strings.Join(allowed, ", ") + "]"
	footer := fmt.Sprintf("\n\nRun %s on %s %s ended with result %s, which is not in allowed_results %s. ",
		run.ID, t.noun(), t.connectionID, run.Result, allowedText)
	if caller == callerAction {
		footer += "The action saves nothing and nothing is tainted: fix the cause, then invoke the action again to start a new run."
	} else {
		footer += "The run is saved in the state and the resource is marked tainted, so the next apply starts a new run."
	}

	for _, ft := range failedTasks(run) {
		src := taskSourceID(ft.Task)
		file := cmp.Or(names[src], src)
		var b strings.Builder
		fmt.Fprintf(&b, "Task %s (connector %s, source %s) ended with result %s", ft.ID, ft.connectorType, src, ft.Result)
		if ft.RetryAttempts > 0 {
			fmt.Fprintf(&b, " after %d retries", ft.RetryAttempts)
		}
		b.WriteString(".")
		if e := ft.Error; e != nil {
			// Server free text may quote pre-signed URLs: scrub it like every API error.
			fmt.Fprintf(&b, "\n\n%s: %s", e.ErrorCode, itwin.RedactText(e.Message))
			if e.Details != "" {
				fmt.Fprintf(&b, "\nDetails: %s", itwin.RedactText(e.Details))
			}
			if e.Description != "" {
				fmt.Fprintf(&b, "\n%s", itwin.RedactText(e.Description))
			}
			// canUserFix only says the fix is on the user's side: for TAE_UNSUPPORTED_FORMAT it is the connector
			// type, not the file, so name no place and point at what the service said.
			if e.CanUserFix && e.Description != "" {
				b.WriteString("\nThe service marks this error as one you can fix (see above).")
			} else if e.CanUserFix {
				b.WriteString("\nThe service marks this error as one you can fix, in the file or in how it is mapped (its connector type).")
			}
			if e.KbArticleLink != "" {
				fmt.Fprintf(&b, "\nKnowledge base: %s", itwin.RedactText(e.KbArticleLink))
			}
		}
		b.WriteString(footer)
		code := ""
		if ft.Error != nil && ft.Error.ErrorCode != "" {
			code = ": " + ft.Error.ErrorCode
		}
		diags.AddError(fmt.Sprintf("Synchronization of %s failed%s", file, code), b.String())
	}

	if run.Error != nil {
		detail := fmt.Sprintf("%s: %s", run.Error.ErrorKey, itwin.RedactText(run.Error.Description))
		if run.Error.ErrorKey == "UserNotAuthenticated" {
			detail += "\n\nThe connection uses authentication_type = \"User\": it runs on behalf of the user who owns it, and that user " +
				"has not given consent. Either open the consent page once (the itwin_sync_authorization data source returns its " +
				"authorization URL and whether consent was given) and apply again, or switch the connection to " +
				"authentication_type = \"Service\" so it runs as the service application."
		}
		diags.AddError(fmt.Sprintf("Synchronization run failed: %s", run.Error.ErrorKey), detail+footer)
	} else if len(diags) == 0 {
		diags.AddError(fmt.Sprintf("Synchronization run ended with result %s", run.Result), strings.TrimSpace(footer)+
			" Add the result to allowed_results to accept it ("+wire.ResultSkipped+" means there was nothing to synchronize).")
	}
	return diags
}

// failedTasks lists the tasks that did not succeed, in job order.
func failedTasks(run *wire.Run) []taskWithConnector {
	var out []taskWithConnector
	for _, j := range run.Jobs {
		for _, t := range j.Tasks {
			ok := t.Result == wire.ResultSuccess || t.Result == wire.ResultSkipped || (t.Result == wire.ResultUndetermined && t.Error == nil)
			if !ok {
				out = append(out, taskWithConnector{Task: t, connectorType: j.ConnectorType})
			}
		}
	}
	return out
}

type taskWithConnector struct {
	wire.Task
	connectorType string
}

func taskSourceID(t wire.Task) string {
	return cmp.Or(t.StorageFileID, t.SourceFileID)
}
