// Hive Gateway with inbound in-flight request deduplication on: identical concurrent client
// requests share one execution (option `inboundInflightRequestDeduplication`, default false).
export const gatewayConfig = {
  inboundInflightRequestDeduplication: true,
};
