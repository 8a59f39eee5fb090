// Hive Gateway with its defaults: inbound in-flight request deduplication off (the default),
// outbound deduplication of identical subgraph requests on (also the default).
export const gatewayConfig = {
  inboundInflightRequestDeduplication: false,
};
