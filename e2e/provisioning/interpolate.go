package provisioning

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// expanderPattern matches Grafana's setting expanders $__env{NAME} and
// $__file{path} (pkg/setting/expanders.go); $__vault is not mirrored.
var expanderPattern = regexp.MustCompile(`\$__(\w+)\{([^}]*)\}`)

// Interpolate substitutes a provisioning value as Grafana's
// values.interpolateValue does: the value is split at "$$" (a literal "$"),
// each part gets $__env{}/$__file{} expanded and then $NAME / ${NAME}
// replaced from the environment (os.ExpandEnv: unset is empty), and the
// parts are joined with "$".
func Interpolate(value string, lookup func(string) (string, bool)) (string, error) {
	parts := strings.Split(value, "$$")
	for i, part := range parts {
		var expandErr error
		part = expanderPattern.ReplaceAllStringFunc(part, func(m string) string {
			sub := expanderPattern.FindStringSubmatch(m)
			switch sub[1] {
			case "env":
				v, _ := lookup(sub[2])
				return v
			case "file":
				content, err := os.ReadFile(sub[2])
				if err != nil {
					expandErr = err
					return ""
				}
				return strings.TrimSpace(string(content))
			default:
				expandErr = fmt.Errorf("expander $__%s is not mirrored", sub[1])
				return m
			}
		})
		if expandErr != nil {
			return value, fmt.Errorf("failed to interpolate value '%s': %w", value, expandErr)
		}
		parts[i] = os.Expand(part, func(name string) string {
			v, _ := lookup(name)
			return v
		})
	}
	return strings.Join(parts, "$"), nil
}

// interpolateTree substitutes every string inside a decoded YAML value
// (Grafana's JSONValue and StringMapValue interpolate all nested strings
// and leave numbers and booleans as they are).
func interpolateTree(v any, lookup func(string) (string, bool)) (any, error) {
	switch t := v.(type) {
	case string:
		return Interpolate(t, lookup)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			iv, err := interpolateTree(item, lookup)
			if err != nil {
				return nil, err
			}
			out[k] = iv
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			iv, err := interpolateTree(item, lookup)
			if err != nil {
				return nil, err
			}
			out[i] = iv
		}
		return out, nil
	default:
		return v, nil
	}
}
