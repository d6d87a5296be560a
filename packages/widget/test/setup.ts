// Testing Library's waitFor gives up after 1 s by default: a loaded 2-core CI machine can take longer than that for
// an effect that does come (as vitest.config.ts gives expect.poll 20 s). A waitFor that passes returns at once.
import { configure } from '@testing-library/preact';

configure({ asyncUtilTimeout: 20_000 });
