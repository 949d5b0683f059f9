import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvNames } from '../../shared/config.js';
import { type EventDefinition, OrderPlaced, Sources } from '../../shared/events/index.js';
import type { SharedBus } from './event-bus.js';
import { SagaFunction } from './saga-function.js';
import type { SagaTable } from './saga-table.js';

/** The one router of the storefront API, deployed once per route. */
export const STOREFRONT_API_ENTRY = 'services/order/handlers/http-api.ts';

/** The default stage's throttling: steady requests per second, and the burst above it. */
export const STOREFRONT_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * What each access log line records, as JSON: who called which route, what came of it, how long it took.
 * No request or response bodies (an order is not a log's to keep), no headers, no query strings.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;

export type StorefrontApiProps = {
  bus: SharedBus;
  /** The order service's table: read to follow an order, written (phase B) to cancel one. */
  orders: SagaTable;
  /** Powertools idempotency records, keyed on the Idempotency-Key of `POST /orders`. */
  idempotencyTable: SagaTable;
  removalPolicy: RemovalPolicy;
};

/**
 * The storefront's front door: an HTTP API whose every route requires IAM authorization (the caller is the
 * storefront's backend, signing with SigV4), with JSON access logs and default-stage throttling. Each
 * route has its own function (the same router, `STOREFRONT_API_ENTRY`), so each role holds only what its
 * route uses: following an order reads it; placing one puts `OrderPlaced` and nothing else; cancelling
 * one writes the order and puts `OrderCancelled`, as the order service's decision will.
 */
export class StorefrontApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly functions: SagaFunction[] = [];
  /** Its routes, as `[method, path]`. */
  private readonly routes: [apigwv2.HttpMethod, string][] = [];
  private readonly props: StorefrontApiProps;

  constructor(scope: Construct, id: string, props: StorefrontApiProps) {
    super(scope, id);
    this.props = props;
    const { orders, idempotencyTable, removalPolicy } = props;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: 'order-saga-storefront',
      description: 'The storefront: place an order, follow it, cancel it (IAM-authorized).',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: STOREFRONT_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const place = this.route('OnPlaceOrder', apigwv2.HttpMethod.POST, '/orders', { idempotencyTable });
    this.grantPutEvents(place, OrderPlaced);

    const follow = this.route('OnGetOrder', apigwv2.HttpMethod.GET, '/orders/{orderId}', {
      environment: { [EnvNames.ordersTable]: orders.tableName },
    });
    follow.grantTable(orders, ['dynamodb:GetItem']);

    const cancel = this.route('OnCancelOrder', apigwv2.HttpMethod.POST, '/orders/{orderId}/cancel', {
      environment: { [EnvNames.ordersTable]: orders.tableName },
    });
    // What the order service's decide-and-commit does: a consistent read, a versioned conditional put, the
    // publish mark; then the order's facts: its cancellation, or, when it finds the order closed by a handler
    // whose publish failed, that order's own fact again from its stored state (DESIGN rule 4), which may be
    // OrderConfirmed. The route speaks for the order service, and puts only its facts.
    cancel.grantTable(orders, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    this.props.bus.grantPutEvents(cancel.role, Sources.orders);
  }

  /** The API's invoke URL (the `$default` stage serves at its root). */
  get url(): string {
    return this.stage.url;
  }

  /**
   * The `execute-api:Invoke` ARN of each route on its stage, each path parameter as `*`
   * (`arn:aws:execute-api:<region>:<account>:<apiId>/$default/GET/orders/*`): what a caller is granted; with
   * the part after the API id (`$default/GET/orders/*`).
   */
  routeArns(): { arn: string; resource: string }[] {
    return this.routes.map(([method, path]) => {
      const wildcard = path.replace(/\{[^}]+\}/g, '*');
      return {
        arn: this.api.arnForExecuteApi(method, wildcard, this.stage.stageName),
        resource: `${this.stage.stageName}/${method}${wildcard}`,
      };
    });
  }

  /** One route and its function, integrated with payload format 2.0. */
  private route(
    id: string,
    method: apigwv2.HttpMethod,
    path: string,
    options: { idempotencyTable?: SagaTable; environment?: Record<string, string> },
  ): SagaFunction {
    const fn = new SagaFunction(this, id, {
      service: 'order',
      entry: STOREFRONT_API_ENTRY,
      bus: this.props.bus,
      removalPolicy: this.props.removalPolicy,
      // A caller waits on it, within API Gateway's 30 s integration timeout.
      timeout: Duration.seconds(10),
      ...options,
    });
    this.routes.push([method, path]);
    this.api.addRoutes({
      path,
      methods: [method],
      integration: new HttpLambdaIntegration(`${id}Integration`, fn.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    this.functions.push(fn);
    return fn;
  }

  /**
   * Lets a route's function put exactly one event of the contract, its source and its detail-type, and
   * admits it past the bus policy as a producer of that source.
   */
  private grantPutEvents(fn: SagaFunction, event: EventDefinition): void {
    this.props.bus.grantPutEvents(fn.role, event.source, [event.detailType]);
  }
}
