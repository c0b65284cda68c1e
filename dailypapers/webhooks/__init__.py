"""Chat webhooks: the day's top papers posted to Slack, Discord, Matrix, Mattermost or a signed JSON endpoint."""
