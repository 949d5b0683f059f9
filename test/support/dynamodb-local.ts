export { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
