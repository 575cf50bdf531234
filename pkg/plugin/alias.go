package plugin

import (
	"regexp"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// aliasPattern finds {{name}} (spaces allowed inside the braces).
var aliasPattern = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

// applyAlias names every value field after the query's alias pattern:
// {{field}} is the field's name, {{vm}}, {{host}}, {{uuid}} (and any other
// label, e.g. {{device}}) its labels. An unknown name is left as written, so
// a typo shows instead of vanishing.
func applyAlias(frames data.Frames, alias string) {
	if alias == "" {
		return
	}
	for _, frame := range frames {
		for _, field := range frame.Fields {
			if field.Type().Time() {
				continue
			}
			name := aliasPattern.ReplaceAllStringFunc(alias, func(match string) string {
				key := aliasPattern.FindStringSubmatch(match)[1]
				if key == "field" {
					return field.Name
				}
				if value, ok := field.Labels[key]; ok {
					return value
				}
				return match
			})
			if field.Config == nil {
				field.Config = &data.FieldConfig{}
			}
			field.Config.DisplayNameFromDS = name
		}
	}
}
