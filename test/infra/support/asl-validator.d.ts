declare module 'asl-validator' {
  type Result = { isValid: boolean; errors: unknown[]; errorsText(separator?: string): string };
  /** Validates an Amazon States Language definition (it annotates the object it is given: pass a copy). */
  const validator: (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => Result;
  export default validator;
}
