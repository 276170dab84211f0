package webhook

// ConnectorName is the connector's kind in catalogues, trigger and action
// Info and job records.
const ConnectorName = "webhook"
