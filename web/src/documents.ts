// The GraphQL documents of the page, typed from schema.graphql (a field the schema lacks is a
// type error at build time).
import { graphql } from './graphql.ts';

export const ArtifactFields = graphql(`
  fragment ArtifactFields on Artifact {
    artifactId
    filename
    mimetype
    encoding
    size
    createdAt
    downloadUrl
    trial {
      trialId
    }
  }
`);

const ArtifactPage = graphql(
  `
    fragment ArtifactPage on ArtifactConnection {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...ArtifactFields
        }
      }
    }
  `,
  [ArtifactFields],
);

export const StudyArtifactsQuery = graphql(
  `
    query StudyArtifacts($studyId: Int!, $first: Int!, $after: String) {
      study(studyId: $studyId) {
        artifacts(first: $first, after: $after) {
          ...ArtifactPage
        }
      }
    }
  `,
  [ArtifactPage],
);

export const TrialArtifactsQuery = graphql(
  `
    query TrialArtifacts($trialId: Int!, $first: Int!, $after: String) {
      trial(trialId: $trialId) {
        artifacts(first: $first, after: $after) {
          ...ArtifactPage
        }
      }
    }
  `,
  [ArtifactPage],
);

export const ArtifactCreatedSubscription = graphql(
  `
    subscription ArtifactCreated($studyId: Int, $trialId: Int, $since: String) {
      artifactCreated(studyId: $studyId, trialId: $trialId, since: $since) {
        cursor
        artifact {
          ...ArtifactFields
        }
      }
    }
  `,
  [ArtifactFields],
);

export const ArtifactDeletedSubscription = graphql(`
  subscription ArtifactDeleted($studyId: Int, $trialId: Int, $since: String) {
    artifactDeleted(studyId: $studyId, trialId: $trialId, since: $since) {
      cursor
      deleted {
        artifactId
        trialId
      }
    }
  }
`);

export const UploadArtifactMutation = graphql(
  `
    mutation UploadArtifact($file: Upload!, $studyId: Int, $trialId: Int) {
      uploadArtifact(file: $file, studyId: $studyId, trialId: $trialId) {
        ...ArtifactFields
      }
    }
  `,
  [ArtifactFields],
);

export const DeleteArtifactMutation = graphql(`
  mutation DeleteArtifact($artifactId: String!) {
    deleteArtifact(artifactId: $artifactId) {
      artifactId
    }
  }
`);

export const StudiesQuery = graphql(`
  query Studies($first: Int!, $after: String) {
    studies(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          studyId
          name
          directions
          trialCount
          complete: trialCount(states: [COMPLETE])
          running: trialCount(states: [RUNNING])
          waiting: trialCount(states: [WAITING])
          pruned: trialCount(states: [PRUNED])
          fail: trialCount(states: [FAIL])
          bestTrial {
            trialId
            number
            values
          }
        }
      }
    }
  }
`);

export const StudyQuery = graphql(`
  query Study($studyId: Int!) {
    study(studyId: $studyId) {
      studyId
      name
      directions
      trialCount
    }
  }
`);

const TrialRow = graphql(`
  fragment TrialRow on Trial {
    trialId
    number
    state
    values
    params {
      name
      value
    }
  }
`);

export const StudyTrialsQuery = graphql(
  `
    query StudyTrials($studyId: Int!, $first: Int, $after: String, $last: Int, $before: String) {
      study(studyId: $studyId) {
        trials(first: $first, after: $after, last: $last, before: $before) {
          totalCount
          pageInfo {
            hasNextPage
            hasPreviousPage
            startCursor
            endCursor
          }
          edges {
            node {
              ...TrialRow
            }
          }
        }
      }
    }
  `,
  [TrialRow],
);

export const TrialQuery = graphql(
  `
    query Trial($trialId: Int!) {
      trial(trialId: $trialId) {
        ...TrialRow
        datetimeStart
        datetimeComplete
        study {
          studyId
          name
          directions
        }
      }
    }
  `,
  [TrialRow],
);
