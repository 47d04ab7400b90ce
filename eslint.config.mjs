// ESLint flat config (ESLint v10).
// - @eslint/js recommended for every linted file.
// - typescript-eslint recommendedTypeChecked for *.ts, using the project
//   service (tsconfig.json already includes every TS folder).
// - @pulumi/eslint-plugin: it ships only `rules` (no `configs`), so both of
//   its rules are wired manually. They need type information, which the
//   type-checked setup above provides.
import { defineConfig } from "eslint/config";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default defineConfig(
  {
    ignores: ["node_modules/", "bin/", "rendered/", "**/*.d.ts", ".stryker-tmp/", "reports/"],
  },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
  {
    // The test harness drives the real program under Pulumi's mock runtime, whose
    // hooks (MockResourceArgs.inputs, stack outputs, Output internals) are typed
    // `any`; asserting on (tests) or printing (scripts: render, bench) those untyped
    // Kubernetes objects is their point, so the any-safety rules only add noise here.
    files: ["tests/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // index.ts reads its config at load time, so each run must require() it
      // afresh after the mocks are set (a static import would load it once).
      "@typescript-eslint/no-require-imports": "off",
      // Pulumi's runtime/mocks APIs (runInPulumiStack, Mocks) take callbacks that
      // must return a Promise; `async` is the readable way to satisfy that.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tool settings written as CommonJS (.mocharc.cjs) run in Node.
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly" },
    },
  },
);
