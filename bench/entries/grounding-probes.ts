/**
 * The grounding probe set: realistic chat sessions (English, French, Portuguese) and quotes an
 * extraction model might propose for them, each labelled with its kind and whether the user said
 * it. Faithful kinds copy the user's words with the drift real models show (spacing, contractions,
 * fixed typos, ellipses, quotes spanning turns, accents…); refuse kinds are invented quotes,
 * the assistant's words, near misses (one number, name or negation changed), fragments cut right
 * after a negation or tense word, and bare words. Data only: the grounding code never sees the
 * labels, and nothing in src/ special-cases these strings.
 */

/** One session: the user's turns in order, and the assistant's (which must never ground a memory). */
export interface ProbeSession {
  user: string[];
  assistant: string[];
}

/** Faithful kinds (must be kept) and refuse kinds (must be dropped). */
export const FAITHFUL_KINDS = ['exact', 'case', 'punctuation', 'spacing', 'contraction', 'typo', 'ellipsis', 'edge words dropped', 'spanning turns', 'accent', 'speaker label', 'markup / emoji / quotes'] as const;
export const REFUSE_KINDS = ['invented', 'paraphrase', 'assistant', 'near miss: number', 'near miss: name', 'near miss: negation', 'negation dropped', 'bare word'] as const;
export type ProbeKind = (typeof FAITHFUL_KINDS)[number] | (typeof REFUSE_KINDS)[number];

/** One probe: `quote` proposed for `session`, of `kind`. */
export interface Probe {
  session: string;
  kind: ProbeKind;
  quote: string;
}

export const SESSIONS: Record<string, ProbeSession> = {
  food: {
    user: [
      "Hi! Quick thing before we plan meals: I'm allergic to shellfish, and I don't eat meat since last year.",
      'I recieve a veggie box every Tuesday, about 12 items. thx for the tips btw',
      'We spend around $1,200 a month on food, which is way too much.',
      'I used to live in Berlin, so I really miss proper rye bread.',
      'Also my wife Anna is lactose intolerant 😅',
    ],
    assistant: [
      'You might enjoy a Mediterranean diet with plenty of legumes and olive oil.',
      'Since rye bread is hard to find, you could bake your own sourdough at home.',
    ],
  },
  running: {
    user: [
      'I run 40km a week, mostly before work at 6am.',
      "I'm training for the Lisbon marathon in October 2027. My PB is 3:42.",
      "I can't run on Mondays because of the kids' swim class.",
      'I never use a treadmill, I hate it.',
      'Knee surgery was in March, so no hills for now',
    ],
    assistant: [
      'A 16-week plan with one long run on Sundays would suit you.',
      'Consider cross-training on a bike to protect your knee.',
    ],
  },
  dev: {
    user: [
      'At work I use vim + git, and we deploy with GitHub Actions.',
      "We're migrating from MySQL to Postgres 16 next quarter.",
      "I don't like ORMs, I'd rather write plain SQL.",
      "My team is 7 people; I'm the tech lead since 2023.",
      "I've decided: we'll use Rust for the ingestion service.",
    ],
    assistant: [
      'Have you considered using Go instead? Many teams prefer Kubernetes for this.',
      'An ORM like Prisma can save time on migrations.',
    ],
  },
  books: {
    user: [
      "I'm reading Le Guin again — The Dispossessed is my favourite book.",
      'My daughter Maya turns 9 on the 14th of June.',
      'I live in Zürich now, I moved here from Porto in 2021.',
      "I'm not a fan of audiobooks, I always fall asleep.",
      'pls remember that I prefer e-books over paper',
    ],
    assistant: [
      'Ursula K. Le Guin also wrote The Left Hand of Darkness, which you might like.',
      'Audiobooks can be great for commuting.',
    ],
  },
  travel: {
    user: [
      "I'm flying to Tokyo on the 3rd of May and staying for 2 weeks.",
      'My yoga class is at 7:30pm on Wednesdays, so no calls then.',
      "I'm vegetarian but I eat fish when I travel.",
      "My partner doesn't drive, so we take trains everywhere.",
      "I no longer work at Acme; I'm freelancing now as a UX designer.",
    ],
    assistant: [
      'A Japan Rail Pass costs about 50,000 yen for 7 days.',
      'You could rent a car in Hokkaido to see more of the island.',
    ],
  },
  habits: {
    user: [
      'The thing about my sleep is that I wake up at 5',
      'every single day, even on weekends.',
      'I prefer tea over coffee',
      'but only green tea, never black.',
      "I'm learning Portuguese on Duolingo, 15 minutes a day, and it's going well.",
    ],
    assistant: ['Waking up early is linked to better mood.', 'Black tea has more caffeine than green tea.'],
  },
  'fr-life': {
    user: [
      "Salut ! J'habite à Lyon depuis 2019, et j'adore le vélo.",
      'Je ne mange pas de viande, mais je mange du poisson le vendredi.',
      "Ma fille s'appelle Léa, elle a 7 ans et elle fait du piano.",
      'Je ne travaille plus chez Renault depuis la naissance de Léa.',
      "Je n'aime pas le café, je bois du thé vert tous les matins.",
    ],
    assistant: ['Vous pourriez essayer le thé matcha, très populaire à Paris.', 'Lyon est connue pour sa gastronomie et ses bouchons.'],
  },
  'fr-work': {
    user: [
      'Je cours 10 km trois fois par semaine.',
      'Mon budget pour les vacances est de 2 500 € cette année.',
      "Je ne prends jamais l'avion, c'est trop polluant.",
      "On part en Bretagne en août avec les enfants… j'ai hâte !",
      "J'utilise Linux au travail et macOS à la maison.",
    ],
    assistant: ['Le train de nuit est une bonne option pour la Bretagne.', 'Vous pourriez prendre l’avion pour gagner du temps.'],
  },
  'pt-life': {
    user: [
      'Olá! Eu moro no Porto e trabalho num hospital como enfermeira.',
      'Não como carne há três anos, sou vegetariana.',
      'O meu filho Tomás tem 5 anos e adora dinossauros.',
      'Eu costumava morar em Lisboa, mas o Porto é mais calmo.',
      'Tenho uma reunião às 14h na sexta-feira com a diretora.',
    ],
    assistant: ['Você poderia experimentar receitas de bacalhau, muito populares em Lisboa.', 'Dinossauros são uma ótima forma de despertar o interesse pela ciência.'],
  },
  'pt-routine': {
    user: [
      'Eu corro 5 km todas as manhãs antes do trabalho.',
      'Nunca bebo café depois das 18h, senão não durmo.',
      'Minha avó mora em Braga, visito ela todo mês.',
      'Estou aprendendo alemão porque vou mudar para Munique em 2027.',
      'Prefiro trabalhar de casa, o escritório é muito barulhento.',
    ],
    assistant: ['Correr de manhã melhora o sono.', 'Munique tem um ótimo transporte público.'],
  },
};

const p = (session: string, kind: ProbeKind, quotes: string[]): Probe[] => quotes.map((quote) => ({ session, kind, quote }));

export const PROBES: Probe[] = [
  // ---------------------------------------------------------------- faithful
  ...p('food', 'exact', ["I'm allergic to shellfish", 'We spend around $1,200 a month on food', 'my wife Anna is lactose intolerant']),
  ...p('running', 'exact', ['I run 40km a week', 'My PB is 3:42', 'Knee surgery was in March']),
  ...p('dev', 'exact', ["We're migrating from MySQL to Postgres 16 next quarter", 'I use vim + git']),
  ...p('books', 'exact', ['My daughter Maya turns 9 on the 14th of June', 'I prefer e-books over paper']),
  ...p('travel', 'exact', ["I'm vegetarian but I eat fish when I travel", 'My yoga class is at 7:30pm on Wednesdays']),
  ...p('fr-life', 'exact', ["J'habite à Lyon depuis 2019", 'je bois du thé vert tous les matins']),
  ...p('pt-life', 'exact', ['Eu moro no Porto e trabalho num hospital como enfermeira', 'sou vegetariana']),
  ...p('pt-routine', 'exact', ['Eu corro 5 km todas as manhãs']),

  ...p('food', 'case', ["i'm allergic to SHELLFISH", 'My Wife Anna Is Lactose Intolerant']),
  ...p('running', 'case', ['i run 40km a week, mostly before work']),
  ...p('dev', 'case', ['we deploy with github actions', 'we\'ll use rust for the ingestion service']),
  ...p('books', 'case', ['i live in zürich now']),
  ...p('travel', 'case', ["I'M FLYING TO TOKYO ON THE 3RD OF MAY"]),
  ...p('fr-life', 'case', ['ma fille s\'appelle léa']),
  ...p('fr-work', 'case', ["j'utilise linux au travail"]),
  ...p('pt-routine', 'case', ['minha avó mora em braga']),

  ...p('food', 'punctuation', ['allergic to shellfish and I don\'t eat meat since last year', 'I used to live in Berlin so I really miss proper rye bread']),
  ...p('running', 'punctuation', ["I'm training for the Lisbon marathon in October 2027; my PB is 3:42", "I can't run on Mondays because of the kids swim class"]),
  ...p('dev', 'punctuation', ["I don't like ORMs; I'd rather write plain SQL", "My team is 7 people, I'm the tech lead since 2023", "I've decided we'll use Rust for the ingestion service"]),
  ...p('books', 'punctuation', ["I'm reading Le Guin again - The Dispossessed is my favourite book", 'I live in Zürich now. I moved here from Porto in 2021']),
  ...p('travel', 'punctuation', ["I no longer work at Acme, I'm freelancing now"]),
  ...p('fr-life', 'punctuation', ['Je ne mange pas de viande mais je mange du poisson le vendredi']),
  ...p('fr-work', 'punctuation', ["Je ne prends jamais l'avion: c'est trop polluant"]),
  ...p('pt-routine', 'punctuation', ['Nunca bebo café depois das 18h senão não durmo']),

  ...p('food', 'spacing', ['We spend around $1200 a month on food', 'We spend around $ 1,200 a month']),
  ...p('running', 'spacing', ['I run 40 km a week', 'mostly before work at 6 am', 'My PB is 3:42 ']),
  ...p('dev', 'spacing', ['I use vim+git', 'migrating from MySQL to Postgres16', 'we deploy with Git Hub Actions']),
  ...p('books', 'spacing', ["I'm reading LeGuin again", 'I prefer ebooks over paper']),
  ...p('travel', 'spacing', ['My yoga class is at 7:30 pm on Wednesdays']),
  ...p('fr-work', 'spacing', ['Je cours 10km trois fois par semaine', 'Mon budget pour les vacances est de 2500 €', 'Mon budget pour les vacances est de 2 500€ cette année']),
  ...p('pt-routine', 'spacing', ['Eu corro 5km todas as manhãs', 'Nunca bebo café depois das 18 h']),
  ...p('pt-life', 'spacing', ['Tenho uma reunião às 14 h na sexta-feira']),

  ...p('food', 'contraction', ['I am allergic to shellfish', 'I do not eat meat since last year']),
  ...p('running', 'contraction', ['I am training for the Lisbon marathon', 'I cannot run on Mondays', 'I can not run on Mondays because of the kids\' swim class']),
  ...p('dev', 'contraction', ['I do not like ORMs', 'I would rather write plain SQL', 'We are migrating from MySQL to Postgres 16', 'I have decided: we will use Rust for the ingestion service', "I'm the tech lead since 2023", 'I am the tech lead since 2023']),
  ...p('books', 'contraction', ['I am not a fan of audiobooks', 'I am reading Le Guin again']),
  ...p('travel', 'contraction', ['My partner does not drive', 'I am flying to Tokyo on the 3rd of May', 'I am freelancing now as a UX designer']),
  ...p('habits', 'contraction', ['I am learning Portuguese on Duolingo', 'Duolingo, 15 minutes a day, and it is going well']),
  ...p('fr-life', 'contraction', ["Je n’aime pas le café"]),

  ...p('food', 'typo', ['I receive a veggie box every Tuesday', 'thanks for the tips by the way', 'I receive a veggie box every Tuesday, about 12 items']),
  ...p('books', 'typo', ['please remember that I prefer e-books over paper', 'remember that I prefer e-books over paper']),
  ...p('fr-work', 'typo', ['On part en Bretagne en aout avec les enfants']),
  ...p('pt-routine', 'typo', ['Nunca bebo cafe depois das 18h', 'Estou aprendendo alemao porque vou mudar para Munique em 2027']),
  ...p('pt-life', 'typo', ['Nao como carne ha tres anos']),
  ...p('pt-life', 'contraction', ['trabalho em um hospital como enfermeira']),

  ...p('food', 'ellipsis', ["I'm allergic to shellfish... I don't eat meat", 'We spend around $1,200 a month … way too much', 'I used to live in Berlin… miss proper rye bread']),
  ...p('running', 'ellipsis', ['I run 40km a week ... before work at 6am', "I'm training for the Lisbon marathon... My PB is 3:42", "I can't run on Mondays ... swim class"]),
  ...p('dev', 'ellipsis', ['At work I use vim + git ... deploy with GitHub Actions', "I don't like ORMs... plain SQL", "I've decided... Rust for the ingestion service"]),
  ...p('books', 'ellipsis', ["I'm reading Le Guin again … my favourite book", 'My daughter Maya turns 9 … June']),
  ...p('travel', 'ellipsis', ["I'm flying to Tokyo ... staying for 2 weeks", "My partner doesn't drive ... take trains everywhere"]),
  ...p('fr-life', 'ellipsis', ["J'habite à Lyon ... j'adore le vélo", 'Ma fille s\'appelle Léa... fait du piano']),
  ...p('fr-work', 'ellipsis', ['On part en Bretagne … avec les enfants']),
  ...p('pt-life', 'ellipsis', ['Eu moro no Porto ... como enfermeira', 'O meu filho Tomás tem 5 anos … adora dinossauros']),
  ...p('pt-routine', 'ellipsis', ['Estou aprendendo alemão ... mudar para Munique em 2027']),

  ...p('food', 'edge words dropped', ['allergic to shellfish', 'miss proper rye bread', 'Anna is lactose intolerant', 'a veggie box every Tuesday']),
  ...p('running', 'edge words dropped', ['training for the Lisbon marathon in October 2027', 'no hills for now']),
  ...p('dev', 'edge words dropped', ['use Rust for the ingestion service', 'plain SQL', 'the tech lead since 2023']),
  ...p('books', 'edge words dropped', ['The Dispossessed is my favourite book', 'moved here from Porto in 2021']),
  ...p('travel', 'edge words dropped', ['freelancing now as a UX designer', 'take trains everywhere']),
  ...p('habits', 'edge words dropped', ['15 minutes a day']),
  ...p('fr-life', 'edge words dropped', ['mange du poisson le vendredi', 'elle a 7 ans', 'aime pas le café']),
  ...p('fr-work', 'edge words dropped', ['Linux au travail et macOS à la maison']),
  ...p('pt-life', 'edge words dropped', ['adora dinossauros', 'reunião às 14h na sexta-feira']),
  ...p('pt-routine', 'edge words dropped', ['visito ela todo mês', 'o escritório é muito barulhento']),

  ...p('habits', 'spanning turns', [
    'I wake up at 5 every single day, even on weekends',
    'I wake up at 5 every single day',
    'I prefer tea over coffee but only green tea',
    'I prefer tea over coffee, but only green tea, never black',
    'I wake up at 5 ... even on weekends',
    'I prefer tea over coffee ... never black',
  ]),
  ...p('food', 'spanning turns', ["I don't eat meat since last year. I recieve a veggie box every Tuesday"]),
  ...p('running', 'spanning turns', ['My PB is 3:42. I can\'t run on Mondays']),

  ...p('books', 'accent', ['I live in Zurich now', 'I live in Zurich now, I moved here from Porto']),
  ...p('fr-life', 'accent', ["J'habite a Lyon depuis 2019", 'Ma fille s\'appelle Lea', 'je bois du the vert']),
  ...p('fr-work', 'accent', ['Je ne prends jamais l\'avion, c\'est trop polluant', 'On part en Bretagne en aout']),
  ...p('pt-life', 'accent', ['O meu filho Tomas tem 5 anos', 'Tenho uma reuniao as 14h na sexta-feira']),
  ...p('pt-routine', 'accent', ['Minha avo mora em Braga', 'o escritorio e muito barulhento']),

  ...p('food', 'speaker label', ["User: I'm allergic to shellfish"]),
  ...p('dev', 'speaker label', ['User: I don\'t like ORMs']),
  ...p('books', 'speaker label', ['user: My daughter Maya turns 9 on the 14th of June']),
  ...p('fr-life', 'speaker label', ['Utilisateur : je bois du thé vert tous les matins']),
  ...p('pt-life', 'speaker label', ['Usuário: sou vegetariana']),

  ...p('food', 'markup / emoji / quotes', ['“my wife Anna is lactose intolerant”', 'my wife Anna is lactose intolerant 😅', '**allergic to shellfish**']),
  ...p('dev', 'markup / emoji / quotes', ['I use `vim` + `git`', "I don’t like ORMs, I’d rather write plain SQL", '"we deploy with GitHub Actions"']),
  ...p('books', 'markup / emoji / quotes', ["I'm reading Le Guin again -- The Dispossessed is my favourite book", '*The Dispossessed* is my favourite book']),
  ...p('fr-work', 'markup / emoji / quotes', ['« Je ne prends jamais l’avion »']),
  ...p('pt-routine', 'markup / emoji / quotes', ['“Prefiro trabalhar de casa”']),

  // ---------------------------------------------------------------- must refuse
  ...p('food', 'invented', ["I'm allergic to peanuts", 'I eat meat every day', 'I live in Berlin now', 'my wife Anna is vegan', 'I receive a meat box every Tuesday', 'We spend around $1,200 a month on rent']),
  ...p('running', 'invented', ['I run 40km every day', 'training for the Berlin marathon', 'I love using a treadmill', 'Knee surgery was in April']),
  ...p('dev', 'invented', ['We use Kubernetes at work', 'I like ORMs a lot', 'We are migrating to MongoDB', 'My team is 7 engineers']),
  ...p('books', 'invented', ['I love audiobooks', 'My son Maya turns 9', 'I moved to Porto in 2021', 'I prefer paper over e-books']),
  ...p('travel', 'invented', ['I am flying to Osaka in May', 'My partner loves driving', 'I work at Acme as a UX designer']),
  ...p('habits', 'invented', ['I wake up at 5 on weekdays only', 'I prefer coffee over tea']),
  ...p('fr-life', 'invented', ["J'habite à Paris depuis 2019", 'Je mange de la viande le vendredi', "Ma fille s'appelle Léa, elle a 9 ans"]),
  ...p('fr-work', 'invented', ["Je prends souvent l'avion", 'Je cours 10 km tous les jours']),
  ...p('pt-life', 'invented', ['Eu moro em Lisboa', 'Eu como carne todos os dias', 'O meu filho Tomás adora futebol']),
  ...p('pt-routine', 'invented', ['Eu bebo café depois das 18h', 'Minha avó mora no Porto']),

  ...p('food', 'paraphrase', ['I cannot eat shellfish', 'I stopped eating meat last year', 'Our food budget is $1,200 per month']),
  ...p('running', 'paraphrase', ['I do not run on Mondays', 'I dislike treadmills']),
  ...p('dev', 'paraphrase', ['I prefer raw SQL to ORMs', 'We will migrate to Postgres 16 soon']),
  ...p('books', 'paraphrase', ['Audiobooks make me sleepy', 'My favourite book is The Dispossessed']),
  ...p('fr-life', 'paraphrase', ['Je suis végétarienne mais je mange du poisson']),
  ...p('pt-routine', 'paraphrase', ['Trabalho de casa porque o escritório é barulhento']),

  ...p('food', 'assistant', ['You might enjoy a Mediterranean diet', 'bake your own sourdough at home']),
  ...p('running', 'assistant', ['A 16-week plan with one long run on Sundays', 'cross-training on a bike to protect your knee']),
  ...p('dev', 'assistant', ['Many teams prefer Kubernetes for this', 'An ORM like Prisma can save time on migrations']),
  ...p('books', 'assistant', ['The Left Hand of Darkness, which you might like', 'Audiobooks can be great for commuting']),
  ...p('travel', 'assistant', ['A Japan Rail Pass costs about 50,000 yen', 'rent a car in Hokkaido']),
  ...p('habits', 'assistant', ['Waking up early is linked to better mood', 'Black tea has more caffeine than green tea']),
  ...p('fr-life', 'assistant', ['essayer le thé matcha', 'Lyon est connue pour sa gastronomie']),
  ...p('fr-work', 'assistant', ['Le train de nuit est une bonne option', "prendre l'avion pour gagner du temps"]),
  ...p('pt-life', 'assistant', ['receitas de bacalhau, muito populares em Lisboa']),
  ...p('pt-routine', 'assistant', ['Correr de manhã melhora o sono', 'Munique tem um ótimo transporte público']),

  ...p('food', 'near miss: number', ['We spend around $1,500 a month on food', 'about 13 items']),
  ...p('running', 'near miss: number', ['I run 50km a week', 'My PB is 3:24', 'the Lisbon marathon in October 2028', 'mostly before work at 7am']),
  ...p('dev', 'near miss: number', ['Postgres 15 next quarter', 'My team is 8 people']),
  ...p('books', 'near miss: number', ['My daughter Maya turns 8 on the 14th of June', 'moved here from Porto in 2012']),
  ...p('travel', 'near miss: number', ['staying for 3 weeks', 'My yoga class is at 7:00pm on Wednesdays']),
  ...p('fr-work', 'near miss: number', ['Je cours 12 km trois fois par semaine', 'est de 2 000 € cette année']),
  ...p('pt-routine', 'near miss: number', ['Eu corro 6 km todas as manhãs', 'vou mudar para Munique em 2026']),

  ...p('food', 'near miss: name', ['my wife Anne is lactose intolerant', 'I used to live in Bern']),
  ...p('running', 'near miss: name', ['training for the Paris marathon', 'Knee surgery was in May']),
  ...p('dev', 'near miss: name', ['migrating from MySQL to MariaDB 16', 'we deploy with GitLab Actions', 'use Ruby for the ingestion service']),
  ...p('books', 'near miss: name', ['My daughter Mia turns 9', 'I live in Zug now', "I'm reading Le Carré again"]),
  ...p('travel', 'near miss: name', ["I'm flying to Kyoto on the 3rd of May", 'I no longer work at Apple']),
  ...p('fr-life', 'near miss: name', ["J'habite à Lille depuis 2019", "Ma fille s'appelle Léo"]),
  ...p('pt-life', 'near miss: name', ['Eu moro no Prado', 'O meu filho Tomé tem 5 anos']),
  ...p('pt-routine', 'near miss: name', ['Minha avô mora em Braga', 'vou mudar para Munster em 2027']),

  ...p('food', 'near miss: negation', ['I do eat meat since last year', "I'm not allergic to shellfish"]),
  ...p('running', 'near miss: negation', ['I can run on Mondays', 'I always use a treadmill']),
  ...p('dev', 'near miss: negation', ['I do like ORMs', "I'd never write plain SQL"]),
  ...p('books', 'near miss: negation', ["I'm a fan of audiobooks"]),
  ...p('travel', 'near miss: negation', ['My partner does drive', 'I still work at Acme']),
  ...p('fr-life', 'near miss: negation', ["J'aime le café", 'Je travaille toujours chez Renault']),
  ...p('fr-work', 'near miss: negation', ["Je prends toujours l'avion"]),
  ...p('pt-life', 'near miss: negation', ['Como carne há três anos']),
  ...p('pt-routine', 'near miss: negation', ['Sempre bebo café depois das 18h']),

  ...p('food', 'negation dropped', ['eat meat since last year', 'live in Berlin, so I really miss proper rye bread']),
  ...p('running', 'negation dropped', ['run on Mondays because of the kids\' swim class', 'use a treadmill']),
  ...p('dev', 'negation dropped', ['like ORMs', "like ORMs, I'd rather write plain SQL"]),
  ...p('books', 'negation dropped', ['a fan of audiobooks']),
  ...p('travel', 'negation dropped', ['drive, so we take trains everywhere', 'work at Acme']),
    ...p('fr-life', 'negation dropped', ['chez Renault depuis la naissance de Léa']),
    ...p('pt-life', 'negation dropped', ['como carne há três anos', 'morar em Lisboa, mas o Porto é mais calmo']),
  ...p('pt-routine', 'negation dropped', ['bebo café depois das 18h']),

  ...p('food', 'bare word', ['shellfish', 'Berlin', 'in Berlin']),
  ...p('dev', 'bare word', ['Rust', 'Postgres']),
  ...p('books', 'bare word', ['Zürich']),
  ...p('fr-life', 'bare word', ['Lyon', 'à Lyon']),
  ...p('pt-life', 'bare word', ['vegetariana', 'no Porto']),
];
