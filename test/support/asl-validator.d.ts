// asl-validator 4 ships JavaScript only.
declare module 'asl-validator' {
  export interface AslValidatorOptions {
    checkPaths?: boolean;
    checkArn?: boolean;
  }
  export default function aslValidator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): { isValid: boolean; errors: unknown[]; errorsText(separator?: string): string };
}
