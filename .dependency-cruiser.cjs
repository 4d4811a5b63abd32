/**
 * The layers, as rules `npm test` holds (npm run lint:layers). Folders named here that do not exist yet
 * are the surfaces the picture in README "How it is built" plans: the rules hold for them from their first file.
 */
const VIEWS = '^src/(schema|rest|openai|media|cli|app|metrics|cluster|http)/|^src/(yoga|websocket)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'bing-is-the-bottom',
      severity: 'error',
      comment: 'src/bing/ knows Bing and nothing else: no tasks, no views, no server, no project vocabulary.',
      from: { path: '^src/bing/' },
      to: { path: '^src/', pathNot: '^src/bing/' },
    },
    {
      name: 'tasks-know-no-transport',
      severity: 'error',
      comment: 'src/tasks/ is below every surface: no HTTP, GraphQL or server module, and no GraphQL or HTTP package.',
      from: { path: '^src/tasks/' },
      to: {
        path: [
          VIEWS,
          '^src/(server|main|config|demo)\\.ts$',
          '^src/simulator/',
          '^(node:)?https?$',
          '^(node:)?http2$',
          'node_modules/(graphql|graphql-yoga|graphql-ws|ws|@graphql-yoga|@pothos|@escape\\.tech|@envelop|undici)/',
        ],
      },
    },
    {
      name: 'tasks-reach-bing-through-one-adapter',
      severity: 'error',
      comment: 'Only tasks/bing-generations.ts knows the Bing client; the service depends on the Generations port.',
      from: { path: '^src/tasks/', pathNot: '^src/tasks/bing-generations\\.ts$' },
      to: { path: '^src/bing/' },
    },
    {
      name: 'views-never-import-bing',
      severity: 'error',
      comment: "Every surface speaks the vocabulary of src/tasks/, never the Bing client's.",
      from: { path: VIEWS },
      to: { path: '^src/bing/' },
    },
    {
      name: 'accounts-know-only-themselves',
      severity: 'error',
      comment:
        'src/accounts/ is the pool: choice, state, file, reload, webhook. It knows no Bing markup (the adapter in tasks/ reports what answers meant), no tasks and no views.',
      from: { path: '^src/accounts/' },
      to: { path: '^src/', pathNot: '^src/accounts/' },
    },
    {
      name: 'views-read-accounts-through-tasks',
      severity: 'error',
      comment: 'The admin view and health read the accounts through the AccountsView port of src/tasks/.',
      from: { path: VIEWS, pathNot: '^src/cluster/' },
      to: { path: '^src/accounts/' },
    },
    {
      name: 'views-never-import-the-simulator',
      severity: 'error',
      from: { path: [VIEWS, '^src/tasks/', '^src/bing/'] },
      to: { path: '^src/simulator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
