// ESLint (flat config). The Shopify Remix template's rules as a start (@remix-run/eslint-config: recommended
// JS, React, hooks, JSX accessibility), typescript-eslint's recommended set for TypeScript, and Prettier last
// so formatting is Prettier's alone. `npm run lint` runs with --max-warnings 0.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import jsxA11y from "eslint-plugin-jsx-a11y";
import prettier from "eslint-config-prettier";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "build/**",
      ".cache/**",
      "coverage/**",
      "public/build/**",
      "shopify-standin/schema/**",
      "extensions/*/dist/**",
      "test-artifacts/**",
      "bench/results/**",
      ".sandbox/**",
      ".cluster/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs,cjs}"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "warn",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/consistent-type-imports": [
        "warn",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ["**/*.tsx"],
    plugins: { react, "react-hooks": reactHooks, "jsx-a11y": jsxA11y },
    settings: { react: { version: "18.3" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      // The template's hook rules (rules-of-hooks, exhaustive-deps); react-hooks 7's compiler rules are not
      // part of it and flag long-standing patterns (a ref read during render for a stable callback).
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      ...jsxA11y.configs.recommended.rules,
      "react/prop-types": "off",
    },
  },
  {
    // The checkout extension renders Polaris web components with Preact (attributes, not React props).
    files: ["extensions/**/*.tsx"],
    rules: { "react/no-unknown-property": "off" },
  },
  {
    // Tests and the far-side doubles (emulator, Shopify stand-in) handle arbitrary wire JSON on purpose.
    files: ["test/**", "**/*.test.{ts,tsx}", "emulator/**", "shopify-standin/**", "bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
