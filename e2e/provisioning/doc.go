// Package provisioning reads the files of provisioning/ the way Grafana's
// server reads them (pkg/services/provisioning: data sources with their
// environment substitution, dashboards, file-provisioned alert rules) and
// builds what Grafana would hand to our backend: the data source instance
// settings and the QueryData requests of each dashboard panel and of each
// alert rule. Grafana's server cannot be fetched here; this package keeps
// to its documented rules and says in each place which rule it follows.
package provisioning
