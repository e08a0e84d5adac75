package natstest

// Authorization is the recommended nats-server configuration for a livecam
// fleet (README, Security), the one StartSecure runs: three users, each
// allowed only what its commands need, and no anonymous access. The
// passwords come from the server's environment ($LIVECAM_SUBMITTER_PASSWORD
// ...; the server parses the variable as a configuration value, so a
// password should start with a letter, or be given in double quotes
// inside the variable); bcrypt hashes in the file work as well.
//
//   - submitter (livecam submit and livecam jobs): queues jobs, records
//     their queued state and outputs, reads the jobs' and workers' states.
//     It cannot take jobs from the queue, nor publish results, summaries
//     or dead letters, nor create the results and dead-letter streams
//     (a worker, or an admin, creates those first).
//   - worker (livecam worker): takes jobs, publishes their results,
//     summaries and dead letters, records the jobs' and its own states,
//     and reads a job's summary (whether it is done is what the summary
//     says, not the state a submitter may write).
//   - camera (livecam -nats): publishes the cameras' labels and events.
//
// Otherwise every user may create the streams and buckets it uses when
// they do not exist yet (livecam never changes one that does; a worker
// refuses to start on streams whose settings are not the fleet's), and
// reads the replies to its own requests (_INBOX.>).
const Authorization = `# livecam fleet: users and permissions
authorization {
  users = [
    {
      user: submitter
      password: $LIVECAM_SUBMITTER_PASSWORD
      permissions: {
        publish: { allow: [
          "livecam.jobs",
          "$KV.livecam_jobs.>", "$KV.livecam_outputs.>",
          "$JS.API.INFO",
          "$JS.API.STREAM.INFO.*",
          "$JS.API.STREAM.CREATE.LIVECAM_JOBS",
          "$JS.API.STREAM.CREATE.KV_livecam_jobs", "$JS.API.STREAM.CREATE.KV_livecam_outputs", "$JS.API.STREAM.CREATE.KV_livecam_workers",
          "$JS.API.DIRECT.GET.KV_livecam_jobs.>", "$JS.API.DIRECT.GET.KV_livecam_outputs.>", "$JS.API.DIRECT.GET.KV_livecam_workers.>",
          "$JS.API.CONSUMER.CREATE.KV_livecam_jobs.>", "$JS.API.CONSUMER.CREATE.KV_livecam_workers.>",
          "$JS.API.CONSUMER.DELETE.KV_livecam_jobs.*", "$JS.API.CONSUMER.DELETE.KV_livecam_workers.*"
        ] }
        subscribe: { allow: ["_INBOX.>"] }
      }
    }
    {
      user: worker
      password: $LIVECAM_WORKER_PASSWORD
      permissions: {
        publish: { allow: [
          "livecam.results.>", "livecam.summary.>", "livecam.dead.>",
          "$KV.livecam_jobs.>", "$KV.livecam_outputs.>", "$KV.livecam_workers.>",
          "$JS.API.INFO",
          "$JS.API.STREAM.INFO.*",
          "$JS.API.STREAM.CREATE.LIVECAM_JOBS", "$JS.API.STREAM.CREATE.LIVECAM_RESULTS", "$JS.API.STREAM.CREATE.LIVECAM_DEAD",
          "$JS.API.STREAM.CREATE.KV_livecam_jobs", "$JS.API.STREAM.CREATE.KV_livecam_outputs", "$JS.API.STREAM.CREATE.KV_livecam_workers",
          "$JS.API.DIRECT.GET.KV_livecam_jobs.>", "$JS.API.DIRECT.GET.KV_livecam_outputs.>", "$JS.API.DIRECT.GET.KV_livecam_workers.>",
          "$JS.API.STREAM.MSG.GET.LIVECAM_RESULTS", "$JS.API.DIRECT.GET.LIVECAM_RESULTS.>",
          "$JS.API.CONSUMER.INFO.LIVECAM_JOBS.livecam-workers",
          "$JS.API.CONSUMER.CREATE.LIVECAM_JOBS.livecam-workers", "$JS.API.CONSUMER.CREATE.LIVECAM_JOBS.livecam-workers.>",
          "$JS.API.CONSUMER.MSG.NEXT.LIVECAM_JOBS.livecam-workers",
          "$JS.ACK.LIVECAM_JOBS.livecam-workers.>"
        ] }
        subscribe: { allow: ["_INBOX.>"] }
      }
    }
    {
      user: camera
      password: $LIVECAM_CAMERA_PASSWORD
      permissions: {
        publish: { allow: [
          "livecam.cameras.>",
          "$JS.API.INFO",
          "$JS.API.STREAM.INFO.LIVECAM_CAMERAS", "$JS.API.STREAM.CREATE.LIVECAM_CAMERAS"
        ] }
        subscribe: { allow: ["_INBOX.>"] }
      }
    }
  ]
}
`
