"""The Slack edge: the one place that turns what the bot says into what Slack receives.

Builders (bot/blocks, bot/drills/blocks, bot/edge/words, the replies) write plain words: a
person is `@U123`, user and script text goes in as it came. On the way out,
`bot.slack_client.SlackPoster` and the `/deploy` response_url pass every text and blocks
payload through `bot.edge.outgoing`, which escapes `&`, `<` and `>`, turns `@U123` into a
mention, restores the bot's own links (`bot.edge.text.link`) and fits Slack's limits
(`bot.edge.fit`). Nothing else formats mentions or escapes.
"""
