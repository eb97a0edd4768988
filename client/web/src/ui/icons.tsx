/** Interface icons as inline SVG, so they render without an emoji font. */
const svg = (d: string) =>
  function Icon() {
    return (
      <svg class="ico" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
        <path d={d} />
      </svg>
    );
  };

export const PinIcon = svg("M9 3h6l-1 6 3 3v2H7v-2l3-3-1-6zM12 14v7");
export const TrashIcon = svg("M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3");
export const EditIcon = svg("M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4");
export const CommentIcon = svg("M4 5h16v11H9l-5 4V5z");
export const PeopleIcon = svg("M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM3 20c0-3 3-5 6-5s6 2 6 5M16 5a3 3 0 0 1 0 6M18 15c2 .5 3 2.5 3 5");
export const PlusIcon = svg("M12 5v14M5 12h14");
export const GearIcon = svg("M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19 12l2-1-1-3-2 .3-1.3-1.3L17 5l-3-1-1 2h-2L10 4 7 5l.3 2L6 8.3 4 8l-1 3 2 1v0l-2 1 1 3 2-.3L7.3 17 7 19l3 1 1-2h2l1 2 3-1-.3-2 1.3-1.3 2 .3 1-3-2-1z");
export const NoteIcon = svg("M5 4h14v16H5zM8 9h8M8 13h8M8 17h5");
export const QuestionIcon = svg("M9 9a3 3 0 1 1 4 2.8c-.7.3-1 1-1 1.7V15M12 19h.01");
export const OfferIcon = svg("M3 12l4-4 5 3 5-3 4 4-9 8z");
export const LinkIcon = svg("M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1");
export const StarIcon = svg("M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3 6.4 20.2l1.1-6.2L3 9.6l6.2-.9z");
export const EyeOffIcon = svg("M3 3l18 18M10.6 6.1A9.8 9.8 0 0 1 12 6c5 0 9 6 9 6a17 17 0 0 1-2.6 3.2M6.5 7.6C4.2 9.2 3 12 3 12s4 6 9 6c1.7 0 3.2-.6 4.5-1.4M9.9 9.9a3 3 0 0 0 4.2 4.2");
export const LockIcon = svg("M6 11h12v9H6zM8 11V8a4 4 0 0 1 8 0v3");
export const ClockIcon = svg("M12 21a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM12 9v4l2.5 2.5M10 2h4");
export const HourglassIcon = svg("M7 3h10M7 21h10M8 3c0 5 8 5 8 9s-8 4-8 9M16 3c0 5-8 5-8 9s8 4 8 9");
export const BallotIcon = svg("M4 13h16v8H4zM8 13l-1-8h10l-1 8M10 9h4");
export const FlagIcon = svg("M5 21V4M5 4h11l-2 4 2 4H5");
export const SlidersIcon = svg("M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4");
export const GripIcon = svg("M9 5h.01M15 5h.01M9 12h.01M15 12h.01M9 19h.01M15 19h.01");
export const DescIcon = svg("M4 5h16M4 10h16M4 15h16M4 20h9");
export const GridIcon = svg("M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z");
