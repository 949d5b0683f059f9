/** Reads a required environment variable, naming it when it is missing (a misdeployed function fails loudly). */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
};

/** The environment variables the stack gives its functions; one name per thing, used by infra and handlers. */
export const EnvNames = {
  eventBusName: 'EVENT_BUS_NAME',
  ordersTable: 'ORDERS_TABLE',
  paymentsTable: 'PAYMENTS_TABLE',
  paymentGatewayTable: 'PAYMENT_GATEWAY_TABLE',
  inventoryTable: 'INVENTORY_TABLE',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  auditTable: 'AUDIT_TABLE',
  orderDeadlineSeconds: 'ORDER_DEADLINE_SECONDS',
} as const;
