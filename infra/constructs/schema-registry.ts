import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { catalogue } from '../../shared/events/index.js';
import { jsonSchemaText } from '../../shared/events/json-schema.js';

/**
 * The EventBridge Schema Registry of the saga: one JSON Schema (draft-04) per event of the contract, from
 * the same zod schemas the consumers enforce, named `<source>@<detail-type>` as schema discovery names them.
 * Producers and consumers outside this repository can generate code bindings from it.
 */
export class SagaSchemaRegistry extends Construct {
  readonly registry: eventschemas.CfnRegistry;
  readonly schemas: eventschemas.CfnSchema[];

  constructor(scope: Construct, id: string, { registryName }: { registryName: string }) {
    super(scope, id);
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      registryName,
      description: 'The events of the order saga, one schema per detail-type.',
    });
    this.schemas = catalogue.map(
      (event) =>
        new eventschemas.CfnSchema(this, event.detailType, {
          registryName: this.registry.attrRegistryName,
          schemaName: `${event.source}@${event.detailType}`,
          type: 'JSONSchemaDraft4',
          description: event.description,
          content: jsonSchemaText(event),
        }),
    );
  }
}
