// The cost floor of this toolchain for `npm run bench`: the smallest action that ncc bundles
// with the same @actions/core the real action uses. It only reads one input, as every run of
// the action must. Bundled at bench time (`.bench/floor/index.js`), never committed as a bundle.
import * as core from '@actions/core'

core.getInput('file')
