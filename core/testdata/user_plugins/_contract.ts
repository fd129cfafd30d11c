// Stands in for the data folder's contract re-export (core/user_plugins.ts writes the real one).
export * from "../../../plugins/_contract.ts";
