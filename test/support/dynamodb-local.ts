export { startDynamoDbLocal } from '../../infra/local/emulator/dynamodb/dynamodb-local.js';
