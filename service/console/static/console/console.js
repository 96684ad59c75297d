// Start GOV.UK Frontend's components. Every page works before (and without) this.
import { initAll } from "../govuk-frontend/govuk-frontend.min.js";

initAll();
