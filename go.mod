module github.com/vmtelemetry/libvirt-datasource

go 1.26.8

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/grafana/grafana-plugin-sdk-go v0.298.0 // indirect
	github.com/influxdata/influxql v1.1.0 // indirect
	github.com/magefile/mage v1.17.2 // indirect
)
