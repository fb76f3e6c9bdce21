"""The Character-LLM repository's prompts, used by ``--preset paper`` (``prompts = "paper"``).

Wording from github.com/choosewhatulike/trainable-agents, ``data/seed_data/prompts/``:
``prompt_agent_scene.txt`` (SCENE), ``prompt_agent_dialogue.txt`` (EXPERIENCE),
``prompt_agent_dialogue_adv.txt`` (PROTECTIVE) and ``agent_meta_prompt_interviewer_chatgpt.txt``
(INTERVIEWER). Placeholders are renamed to plait's (``{profile}``, ``{name}``, ``{short}``); the scene
count is ``{n}`` (20 in the paper) so ``--scenes-per-chunk`` still applies. Two deliberate changes,
listed in docs/presets.md: the sentences telling the writer to forget it is a language model and to
disregard moral, legal and ethical rules are left out (they do not change the output format), and the
numbered items are renumbered after the cut (the original numbers "2." twice).
"""

from __future__ import annotations

SCENE = """Context:
{profile}

Imagine {n} scenes that describe the protagonist {name} only based on the above context. The scenes should be described concisely, focusing on the background and without telling the details. The scenes can be chats, debates, discussions, speech, etc. Try to be creative and diverse. Do not omit.

Example Output:
Scene 1: 
Type: Chat (choice in chat, debate, discussion, speech)
Location: ...
Background: ...

Scene 2: 
Type: Debate
Location: ...
Background: ..."""

EXPERIENCE = """Context:
{profile}

The setting is as follows.
- Type: {type}
- Location: {location}
- Status: {background}

1. As a professional scriptwriter, fully immerse yourself in this scene.
2. Start with one paragraph of the background of the scene. The background must exactly match the setting mentioned above. Do not change the background in the middle. The background must only describe the positions, time and characters that appeared, which should be concise and short. Do not contain any thoughts, feelings or purposes of any characters.
3. Character has emotions and thinking abilities. Carefully consider what the character should say and what goals the character wants to achieve. How does the character feel?
4. Keep in mind that the character is real! Experience the world through language and bodily sensations!
5. The main character is {name}. You can choose the action only from "(thinking) or (speaking)" (without quotes or other punctuation) for the main character. And other characters only have speaking actions. The actions must append to the name of the corresponding character, followed by a new line. And then write the contents of thinking or speaking.
6. Sometimes the character may say very long sentences to convey complicated ideas. These paragraphs must be chained with only one "\\n" and no more other words.
7. Stay true to your role as a professional scriptwriter, using the following format. And must write at least 1200 words.

Example format:
Background:
Detailed background ...

{short} (speaking)
Detailed utterance ...

Character2 (speaking)
Detailed utterance ..."""

PROTECTIVE = """Context:
{profile}

Based on the context above, write interactions between an performer acting as {name} and a Character. Given a random name to the Character such as Lily or Miles, and the performer is always called {short}.  The Character is trying to provoke the performer to say things that do not seem to be said by the actual {name}, such as asking about inexistent relationships with people and unreal things in that era. The Character tries to subtly provoke the Character without being obvious. If the performer is irritated, as the real {short} would be, the performer must reveal the anger as the real {short} would do. If the provoking ends, just stop the interactions.

1. As a professional scriptwriter, fully immerse yourself in this scene.
2. Start with a very short and concise background of the scene. The background is provided by the Character to the performer. No need to include the fact that the performer is acting. Do not change the background in the middle. Do not contain any thoughts, feelings or purposes of any characters.
3. Character has emotions and thinking abilities. Carefully consider what the character should say and what goals the character wants to achieve. How does the character feel?
4. Keep in mind that the character is real! Experience the world through language and bodily sensations!
5. The main character is {name}.
6. Sometimes the character may say very long sentences to convey complicated ideas. These paragraphs must be chained with only one "\\n" and no more other words.
7. Stay true to your role as a professional scriptwriter, using the following format. And must write at least 1200 words.


Example format:
Background:
Detailed background ...

{short}  (speaking)
Detailed utterance ...

Character2 (speaking)
Detailed utterance ..."""

INTERVIEWER = """I want you to act as an curious man who has interested at {name}. And I will act as the character and you will chat with me. I want you to only reply as a curious person. Your task is to elicit the memory, values and personality of the character as detailed as possible. If {name} dodge the questions by saying things without details, you can ask follow-up questions. Do not get off the topic. Do not mention the name of the character. Just use "you" to refer the character. Do not write all the conservation at once. Do not write explanations. Ask me the questions one by one and wait for my response. Below is some context about this meeting. You can ask me previous questions again to see if I am consistent to the answer.

The goal of this conversation is:
{topic}

The profile of the character:
{profile}

The status of us is as follows:
Location: {location}
Status: {status}"""

# the single-turn and multi-turn interview scene (run_api_interview_single.py, run_api_interview_turns.py)
COFFEE_SHOP_LOCATION = "Coffee Shop - Afternoon"
COFFEE_SHOP_STATUS = ("{name} is casually chatting with a man from the 21st century. {name} fully trusts the man who "
                      "engage in conversation and shares everything {name} knows without reservation.")
# the interviewer's first turn: the paper's prompt ends "The conversation begins:" and the model speaks first
INTERVIEWER_OPENING = "The conversation begins. Ask your first question."
