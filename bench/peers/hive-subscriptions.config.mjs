// Hive Gateway for the subscription benchmark: subscriptions to the subgraphs over
// graphql-transport-ws (the ticks subgraph serves them at its own URL), everything else default.
export const gatewayConfig = {
  transportEntries: {
    "*.http": {
      options: {
        subscriptions: { kind: "ws" },
      },
    },
  },
};
