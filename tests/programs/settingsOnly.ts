/**
 * The program's first step alone: reading and checking the stack settings (config/settings), which
 * index.ts does before anything else. Lets tests rerun the checks after applying a fix without
 * registering the whole deployment.
 */
import { loadSettings } from "../../config/settings";

loadSettings();
